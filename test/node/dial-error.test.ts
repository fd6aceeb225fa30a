/**
 * A failed dial's text: libp2p gathers one error per address into an AggregateError whose own message names none;
 * the text gives each distinct reason once, with a count, within a cap.
 */
import { describe, expect, it } from 'vitest'
import { dialErrorText } from '../../src/node/dial-error.js'

describe('dialErrorText', () => {
  it('lists an aggregate\'s distinct reasons, counting repeats', () => {
    const err = new AggregateError([
      new Error('connect ECONNREFUSED 10.0.0.1:4001'),
      new Error('failed to connect via relay with status NO_RESERVATION'),
      new Error('failed to connect via relay with status NO_RESERVATION')
    ], 'All multiaddr dials failed')
    expect(dialErrorText(err)).toBe('All multiaddr dials failed: connect ECONNREFUSED 10.0.0.1:4001; failed to connect via relay with status NO_RESERVATION (x2)')
  })

  it('gives a plain error\'s message, and a thrown non-error as text', () => {
    expect(dialErrorText(new Error('The operation was aborted'))).toBe('The operation was aborted')
    expect(dialErrorText('refused')).toBe('refused')
  })

  it('keeps within its cap, marking the cut', () => {
    const err = new AggregateError(Array.from({ length: 50 }, (_, i) => new Error(`connect ETIMEDOUT 10.0.0.${i}:4001`)), 'All multiaddr dials failed')
    const text = dialErrorText(err, 120)
    expect(text).toHaveLength(120)
    expect(text.endsWith('…')).toBe(true)
    expect(text.startsWith('All multiaddr dials failed: connect ETIMEDOUT 10.0.0.0:4001; ')).toBe(true)
  })
})
