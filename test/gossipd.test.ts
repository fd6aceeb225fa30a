/**
 * The composition root: it owns the node's database handle, so a stopped node stays stopped.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { TestNodes } from './helpers/nodes.js'

describe('GossipdNode', () => {
  const t = new TestNodes({ minConnections: 0 })
  afterAll(async () => { await t.cleanup() })

  it('wires every feature on one host, and once stopped closes its database and refuses to start again', async () => {
    const node = await t.add()
    expect(node.isStarted).toBe(true)
    expect(node.info().protocols).toEqual(expect.arrayContaining(['/gossipd/history/1.0.0', '/gossipd/dm/1.0.0', '/gossipd/files/1.0.0', '/gossipd/peers/1.0.0']))
    node.topics.subscribe('t')
    await node.stop()
    // the handle the features shared is closed: the topics' statements cannot run any more
    expect(() => node.topics.subscribe('u')).toThrow()
    await expect(node.start()).rejects.toMatchObject({ name: 'NotStartedError' })
  })
})
