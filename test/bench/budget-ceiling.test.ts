/**
 * The swarm benchmarks measure a swarm within its connection budget: the most peers a node may hold when they
 * start (bench/lib/swarm.js, budgetCeiling), from the budget the nodes were started with.
 */
import { describe, expect, it } from 'vitest'
// @ts-expect-error the benchmarks are plain JavaScript
import { budgetCeiling } from '../../bench/lib/swarm.js'
import { DEFAULT_CONNECTION_BUDGET, DEFAULT_MIN_CONNECTIONS } from '../../src/constants.js'
import { CONNECTION_BUDGET_SLACK } from '../../src/node/constants.js'

describe('bench budget ceiling', () => {
  it('is the default budget and its slack when no budget is given', () => {
    expect(budgetCeiling([], {})).toBe(DEFAULT_CONNECTION_BUDGET + CONNECTION_BUDGET_SLACK)
    expect(budgetCeiling(['--max-connections', '30'])).toBe(DEFAULT_CONNECTION_BUDGET + CONNECTION_BUDGET_SLACK)
  })

  it('follows a budget given to the nodes, in either form', () => {
    expect(budgetCeiling(['--connection-budget', '20'])).toBe(20 + CONNECTION_BUDGET_SLACK)
    expect(budgetCeiling(['--connection-budget=9'])).toBe(9 + CONNECTION_BUDGET_SLACK)
  })

  it('is no ceiling when the budget is off', () => {
    expect(budgetCeiling(['--connection-budget', '0'])).toBeUndefined()
  })

  it('follows the budget as a node resolves it: never under --min-connections, at most --max-connections', () => {
    expect(budgetCeiling(['--min-connections', '20'])).toBe(20 + CONNECTION_BUDGET_SLACK)
    expect(budgetCeiling(['--max-connections=10'])).toBe(10 + CONNECTION_BUDGET_SLACK)
    expect(budgetCeiling([], { GOSSIPD_CONNECTION_BUDGET: '11' })).toBe(11 + CONNECTION_BUDGET_SLACK)
    // under the default --min-connections, the budget is that minimum
    expect(budgetCeiling([], { GOSSIPD_CONNECTION_BUDGET: String(DEFAULT_MIN_CONNECTIONS - 1) })).toBe(DEFAULT_MIN_CONNECTIONS + CONNECTION_BUDGET_SLACK)
  })
})
