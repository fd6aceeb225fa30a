/** Types of build.js, for the TypeScript tests. */
export interface BuiltPeer { bin: string, cached: boolean, ms: number }
export declare const CACHE_DIR: string
export declare function buildGoPeer (): Promise<BuiltPeer>
export declare function buildRustPeer (): Promise<BuiltPeer>
export declare function buildPeers (): Promise<{ go: BuiltPeer, rust: BuiltPeer }>
