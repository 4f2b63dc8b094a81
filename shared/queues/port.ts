/** A message to put on a queue. `id` is unique within one send call. */
export interface OutgoingMessage {
  id: string;
  body: string;
  /** SQS DelaySeconds, at most 900. */
  delaySeconds?: number;
}

/**
 * The queue operations the core uses, by logical queue name (see names.ts). The SQS adapter maps
 * names to URLs; the local runtime implements the same semantics in process.
 */
export interface QueuePort {
  send(queue: string, messages: OutgoingMessage[]): Promise<void>;
  /** Back off a message being processed: it becomes visible again after `seconds`. */
  changeVisibility(queue: string, receiptHandle: string, seconds: number): Promise<void>;
  /**
   * The body to send for a JSON message on this transport: SQS packs large bodies (it bills per
   * started 64 KB; see body.ts), an in-process queue need not. Unset: the JSON as it is. Consumers
   * read either (unpackBody).
   */
  encode?(json: string): string;
}

/** The body `queues` sends for `json` (see QueuePort.encode). */
export const encodeBody = (queues: Pick<QueuePort, 'encode'>, json: string): string => queues.encode?.(json) ?? json;

/** Operator actions on queues (the redrive of a DLQ). */
export interface QueueAdmin {
  /**
   * Move the messages of `queue`'s DLQ back to `queue`. SQS moves them asynchronously, so the count
   * it reports is the DLQ's approximate depth when the move started.
   */
  redrive(queue: string): Promise<{ moved: number; approximate: boolean }>;
}

/** One queue's depth (approximate on SQS), or why it could not be read. */
export interface QueueDepth {
  /** Logical name (names.ts); a DLQ is `<queue>-dlq`, or a service DLQ such as `ingest-async-dlq`. */
  name: string;
  visible: number;
  /** In flight (received, not deleted) or delayed. */
  notVisible: number;
  error?: string;
}

/** The depths of the queues a deployment reports (GET /v1/health?deep=1): one read per queue. */
export interface QueueDepths {
  depths(): Promise<QueueDepth[]>;
}

/** SQS limits: 10 entries per batch call and (conservatively) 256 KiB per message and per call. */
export const SQS_MAX_BATCH = 10;
export const SQS_MAX_BYTES = 256 * 1024;
/** SQS's longest DelaySeconds (15 minutes), and its longest visibility timeout, counted from the receive. */
export const SQS_MAX_DELAY_S = 900;
export const SQS_MAX_VISIBILITY_S = 43_200;

/** Split messages into batch calls that respect the entry and total-size limits. */
export function batchesOf(messages: OutgoingMessage[]): OutgoingMessage[][] {
  const out: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = Buffer.byteLength(m.body);
    if (current.length === SQS_MAX_BATCH || (current.length > 0 && bytes + size > SQS_MAX_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
