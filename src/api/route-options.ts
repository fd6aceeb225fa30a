/** What every route plugin is registered with: the node it drives. Its own file, so routes never import the server. */
import type { FastifyInstance } from 'fastify'
import type { GossipdNode } from '../gossipd.js'
import type { StreamSlots } from './stream-slots.js'

export interface RouteOptions {
  node: GossipdNode
  /** Slots of the API's long-lived streams, shared by every streaming route. */
  streams: StreamSlots
}

export type ApiRoute = (app: FastifyInstance, opts: RouteOptions) => Promise<void>
