import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { errorFields, type Logger, type LogLevel } from '../log';

/**
 * The deployed functions' logger: Powertools for AWS Lambda's, behind the Logger port. Lines are
 * JSON with Powertools' keys (`level`, `message`, `timestamp`, `service`) and, once the handler
 * middleware has passed the invocation (`withInvocation`), its request id and cold start. As with
 * the local logger, an `err` field is reduced to its name, code and message: no stack, and never
 * more than our own errors say (they carry no secrets).
 */
export function powertoolsLogger(fn: string, level: LogLevel = (process.env.ALERTFLOW_LOG_LEVEL as LogLevel | undefined) ?? 'info'): Logger {
  const logger = new PowertoolsLogger({ serviceName: fn, logLevel: LEVELS[level] ?? 'INFO' });
  const fields = (extra?: Record<string, unknown>) => {
    if (!extra) return {};
    const { err, ...rest } = extra;
    return err === undefined ? rest : { ...rest, ...errorFields(err) };
  };
  return {
    debug: (m, f) => logger.debug(m, fields(f)),
    info: (m, f) => logger.info(m, fields(f)),
    warn: (m, f) => logger.warn(m, fields(f)),
    error: (m, f) => logger.error(m, fields(f)),
    withInvocation: (context) => logger.addContext(context as Context),
  };
}

const LEVELS: Record<LogLevel, 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };
