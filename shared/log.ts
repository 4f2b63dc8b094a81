/**
 * Structured JSON logging. Callers pass names and ids, never secret values; `err` is reduced to
 * its name, code and message (messages of our own errors never carry secrets).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Deployed: the Lambda invocation the next lines belong to (request id, cold start). */
  withInvocation?(context: object): void;
}

export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { errorName: err.name, ...(code === undefined ? {} : { errorCode: code }), errorMessage: err.message };
  }
  return { errorMessage: String(err) };
}

export function jsonLogger(
  base: Record<string, unknown> = {},
  level: LogLevel = (process.env.ALERTFLOW_LOG_LEVEL as LogLevel | undefined) ?? 'info',
  write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
): Logger {
  const min = RANK[level] ?? RANK.info;
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < min) return;
    const { err, ...rest } = fields ?? {};
    write(JSON.stringify({ level: lvl, time: new Date().toISOString(), msg, ...base, ...rest, ...(err === undefined ? {} : errorFields(err)) }));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
