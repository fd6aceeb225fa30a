/**
 * One service's view of libp2p's components, changed for that service alone: the per-instance changes to kad-dht
 * (node/dht-frames.ts, node/relayed-only.ts) hand it a connection manager whose `openStream` does more, and leave
 * every other component, and every other service, as libp2p built it.
 */

/** The part of a connection manager these wraps replace. */
export interface OpensStreams {
  openStream: (...args: never[]) => Promise<unknown>
}

/** `manager` with `openStream` in place of its own; its other members are its own, methods bound to it. */
export function withOpenStream<M extends OpensStreams> (manager: M, openStream: M['openStream']): M {
  return new Proxy(manager, {
    get: (target, key) => {
      if (key === 'openStream') return openStream
      const value: unknown = Reflect.get(target, key)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}

/**
 * A service factory whose service is given `wrap(connectionManager, components)` as its connection manager, made
 * once when the service is built; its other components are untouched.
 */
export function withConnectionManager<C extends { connectionManager: OpensStreams }, S> (
  create: (components: C) => S,
  wrap: (manager: C['connectionManager'], components: C) => C['connectionManager']
): (components: C) => S {
  return components => {
    const connectionManager = wrap(components.connectionManager, components)
    return create(new Proxy(components, {
      get: (target, key) => key === 'connectionManager' ? connectionManager : Reflect.get(target, key)
    }))
  }
}
