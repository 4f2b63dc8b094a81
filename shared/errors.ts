/**
 * Typed errors. Every error alertflow raises on purpose is an AlertflowError with a stable `code`;
 * `shared/http/responses.ts` is the one place that turns them into HTTP responses. Messages must
 * never contain secret values: callers pass names and references, not the secrets themselves.
 */
export class AlertflowError extends Error {
  readonly code: string;
  readonly status: number;
  /** Safe, structured details (e.g. the failing key paths) that may be shown to the caller. */
  readonly details?: unknown;

  constructor(code: string, status: number, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = options?.details;
  }
}

/** An input failed its schema; `details` lists each issue with its path. */
export class ValidationError extends AlertflowError {
  constructor(message: string, details?: Issue[], options?: { cause?: unknown }) {
    super('invalid_request', 400, message, { ...options, details });
  }
}

/**
 * A request whose shape its API's schema refuses before any handling: the whole request is
 * refused. Alertmanager's API answers these (its go-swagger validation) with 422, or 400 when the
 * JSON does not decode, and a `{code, message}` body where its own checks answer a string.
 */
export class RequestShapeError extends AlertflowError {
  constructor(status: 400 | 422, message: string, details?: Issue[]) {
    super('invalid_request', status, message, { details });
  }
}

export interface Issue {
  path: string;
  message: string;
}

export class AuthenticationError extends AlertflowError {
  constructor(message = 'missing or invalid credentials') {
    super('unauthorized', 401, message);
  }
}

/**
 * The caller is authenticated but may not do this (e.g. its token lacks a scope). `details` says
 * what was missing, e.g. `{ missing_scope: 'manage', token: 'alertmanager', scopes: ['ingest'] }`.
 */
export class ForbiddenError extends AlertflowError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('forbidden', 403, message, details === undefined ? undefined : { details });
  }
}

export class NotFoundError extends AlertflowError {
  constructor(message: string) {
    super('not_found', 404, message);
  }
}

export class PayloadTooLargeError extends AlertflowError {
  constructor(limitBytes: number) {
    super('payload_too_large', 413, `request body exceeds ${limitBytes} bytes`);
  }
}

export class UnsupportedMediaTypeError extends AlertflowError {
  constructor(got: string | undefined) {
    super('unsupported_media_type', 415, `content-type must be application/json (got ${got ? JSON.stringify(got) : 'none'})`);
  }
}

/** The service is refusing work on purpose (the local runtime while it shuts down); try again later. */
export class ServiceUnavailableError extends AlertflowError {
  constructor(code: string, message: string) {
    super(code, 503, message);
  }
}

/** The configuration file is invalid; `details` lists every problem with its key path. */
export class ConfigError extends AlertflowError {
  readonly issues: Issue[];
  constructor(message: string, issues: Issue[], options?: { cause?: unknown }) {
    super('invalid_config', 500, message, { ...options, details: issues });
    this.issues = issues;
  }
}

/** A secret reference could not be resolved. Names the reference, never the value. */
export class SecretError extends AlertflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('secret_unavailable', 500, message, options);
  }
}

/** A configured limit on stored state is reached (e.g. silences.max_silences); `details` names it. */
export class LimitExceededError extends AlertflowError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('limit_exceeded', 409, message, details === undefined ? undefined : { details });
  }
}

/** A conditional write lost a race; the caller re-reads and retries. */
export class ConflictError extends AlertflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('conflict', 409, message, options);
  }
}
