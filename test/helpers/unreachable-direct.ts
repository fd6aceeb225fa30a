/**
 * A direct-messaging service whose every dial fails at once: every peer is unreachable, so messages queue (unless
 * the test hands it components of its own).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { silentLogger } from '../../src/logger.js'
import { DirectMessages, type DirectComponents, type DirectInit } from '../../src/messaging/direct.js'
import { MessageLog } from '../../src/messaging/history.js'
import { createMetrics } from '../../src/node/metrics.js'
import { openDatabase, type Database } from '../../src/storage/database.js'

export const newPeerId = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

/** `components` replaces any of the failing ones, to script a peer that can be reached some way. */
export async function unreachableDirect (db: Database, init: Partial<DirectInit> = {}, components: Partial<DirectComponents> = {}): Promise<DirectMessages> {
  const fail = async (): Promise<never> => { throw new Error('unreachable') }
  return new DirectMessages({
    peerId: await newPeerId(),
    db,
    inbox: new MessageLog(db, 'dm_inbox', 1_000),
    log: silentLogger(),
    metrics: createMetrics({ connections: () => 0, routingTableSize: () => 0, uptimeSeconds: () => 0 }),
    handle: async () => {},
    unhandle: async () => {},
    dialProtocol: fail,
    isConnected: () => false,
    peerAnswers: async function * () { yield * [] },
    dial: fail,
    dialPeer: fail,
    lastDialFailed: async () => false,
    onPeerConnect: () => () => {},
    ...components
  }, { maxMessageSize: 64 * 1024, outboxTtlMs: 24 * 3600_000, outboxKeep: 100, ...init })
}

/** One test's service: a database in a folder of its own, the service on it, and `stop()`, which undoes both. */
export class DirectTestBed {
  private dir?: string
  private db?: Database
  private direct?: DirectMessages

  /** Make the folder, the database and the service (`unreachableDirect`'s arguments), once per test. */
  async open (prefix: string, init: Partial<DirectInit> = {}, components: Partial<DirectComponents> = {}): Promise<DirectMessages> {
    this.dir = await mkdtemp(join(tmpdir(), prefix))
    this.db = openDatabase(this.dir)
    this.direct = await unreachableDirect(this.db, init, components)
    return this.direct
  }

  async stop (): Promise<void> {
    await this.direct?.stop()
    this.db?.close()
    if (this.dir != null) await rm(this.dir, { recursive: true, force: true })
    this.direct = this.db = this.dir = undefined
  }
}
