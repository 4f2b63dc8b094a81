/**
 * The non-HTTP delivery ports. Deployed, they are SES v2 and SNS; in the local runtime both write to
 * the outbox; in tests they are fakes. Implementations throw on failure; the error's `name` and
 * `retryable` flag feed the outcome classification (see classifyError).
 */
export interface EmailMessage {
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  html: string;
  text: string;
}

export interface MailPort {
  send(message: EmailMessage): Promise<{ messageId: string }>;
}

export interface SmsMessage {
  /** E.164, e.g. +15551234567. */
  phoneNumber: string;
  body: string;
}

export interface SmsPort {
  send(message: SmsMessage): Promise<{ messageId: string }>;
}

/**
 * A delivery failure of a non-HTTP port, already classified by the adapter that knows the
 * provider's error names (e.g. SES `MessageRejected` is permanent, `TooManyRequestsException` is not).
 */
export class PortDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PortDeliveryError';
  }
}
