/**
 * Commander options generated from the settings table, so every setting has exactly one flag.
 */
import type { Command } from 'commander'
import { SETTINGS, type ConfigInput } from '../config.js'

export function addSettingOptions (cmd: Command): Command {
  cmd.option('--config <file>', 'JSON file with settings (keys as in the README table)')
  for (const s of SETTINGS) {
    const arg = s.kind === 'list' ? ' <values>' : s.kind === 'bool' ? '' : ' <value>'
    cmd.option(`${s.flag}${arg}`, `${s.description} [env ${s.env}]`)
  }
  return cmd
}

/** Commander's camel-cased option values, keyed by setting. */
export function flagsFrom (opts: Record<string, unknown>): ConfigInput {
  const flags: ConfigInput = {}
  for (const s of SETTINGS) {
    const name = s.flag.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())
    if (opts[name] !== undefined) {
      flags[s.key] = opts[name]
    }
  }
  return flags
}
