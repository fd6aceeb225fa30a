/** What every route plugin is registered with: the node it drives. Its own file, so routes never import the server. */
import type { FastifyInstance } from 'fastify'
import type { GossipdNode } from '../gossipd.js'

export interface RouteOptions {
  node: GossipdNode
}

export type ApiRoute = (app: FastifyInstance, opts: RouteOptions) => Promise<void>
