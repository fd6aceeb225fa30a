import { pino, type Logger } from 'pino'

export type { Logger }

export interface LoggerOptions {
  level: string
  /** Human-readable lines instead of JSON; defaults to whether stdout is a terminal. */
  pretty?: boolean
  /** Bound into every line, e.g. the peer id of a node among several in one process. */
  base?: Record<string, unknown>
}

/** JSON lines when stdout is not a terminal (containers, log shippers), coloured lines when it is. */
export function createLogger (opts: LoggerOptions): Logger {
  const pretty = opts.pretty ?? process.stdout.isTTY === true
  return pino({
    level: opts.level,
    base: opts.base ?? {},
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } } : {})
  })
}

/** A logger that drops everything: the default for library users who pass none. */
export function silentLogger (): Logger {
  return pino({ level: 'silent' })
}
