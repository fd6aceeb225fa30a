/** Types of peers.js, for the TypeScript tests. */
export declare class ForeignPeerError extends Error {}

export interface PeerMessage {
  topic: string
  msgId: string
  from: string
  receivedFrom: string
  data: string
}

export interface PeerDm {
  id: string
  from: string
  ts: number
  nick?: string
  body: string
}

export declare class ForeignPeer {
  readonly kind: 'go' | 'rust'
  readonly name: string
  peerId: string
  addrs: string[]
  messages: PeerMessage[]
  dms: PeerDm[]
  stderr: string
  readonly multiaddr: string
  start (readyTimeoutMs?: number): Promise<this>
  call<T = any> (cmd: string, args?: Record<string, unknown>): Promise<T>
  cpuSeconds (): Promise<number>
  stop (): Promise<void>
}

export declare function startGoPeer (bin: string, opts: { name: string, bootstrap?: string[], filesDir?: string, extraArgs?: string[] }): Promise<ForeignPeer>
export declare function startRustPeer (bin: string, opts: { name: string, bootstrap?: string[], extraArgs?: string[] }): Promise<ForeignPeer>
