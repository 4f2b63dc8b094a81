import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MailPort, SmsPort } from '../channels/ports';
import type { HttpPort } from '../channels/http';

/** One message the local runtime "sent" by email or SMS. */
export interface OutboxEntry {
  channel: 'email' | 'sms';
  at: string;
  recipients: string[];
  subject?: string;
  body: string;
  html?: string;
}

/** A Slack message or Teams card the local runtime posted, as it posted it (the body, parsed when read). */
export interface PostedEntry {
  channel: 'slack' | 'teams';
  at: string;
  /** The receiver's host (a webhook URL's path is its secret). */
  host: string;
  status: number;
  body: string;
}

/** Slack and Teams posts kept for GET /local/outbox: the last ones only (a storm posts thousands). */
export const POSTED_KEPT = 100;

/**
 * Email and SMS in the local runtime: appended to `<dataDir>/outbox.jsonl` (one JSON object per line)
 * and kept in memory for `GET /local/outbox`. Slack messages and Teams cards, which do go out to
 * their webhooks, are kept as they were posted, the last POSTED_KEPT in memory, so the dashboard can
 * show them as their users see them.
 */
export class Outbox {
  readonly entries: OutboxEntry[] = [];
  readonly posted: PostedEntry[] = [];

  /** `http` with each post of `channel` also kept here. */
  recording(http: HttpPort, channel: PostedEntry['channel']): HttpPort {
    return {
      post: async (url, req) => {
        const res = await http.post(url, req);
        let host = '';
        try {
          host = new URL(url).host;
        } catch {
          // Not a URL: nothing to show of it.
        }
        this.posted.push({ channel, at: new Date().toISOString(), host, status: res.status, body: req.body });
        if (this.posted.length > POSTED_KEPT) this.posted.shift();
        return res;
      },
    };
  }

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) if (line) this.entries.push(JSON.parse(line) as OutboxEntry);
    }
  }

  add(entry: OutboxEntry): void {
    this.entries.push(entry);
    if (this.file) {
      mkdirSync(dirname(this.file), { recursive: true });
      appendFileSync(this.file, JSON.stringify(entry) + '\n');
    }
  }

  mailPort(): MailPort {
    return {
      send: async (m) => {
        this.add({ channel: 'email', at: new Date().toISOString(), recipients: [...m.to, ...m.cc], subject: m.subject, body: m.text, html: m.html });
        return { messageId: `local-${this.entries.length}` };
      },
    };
  }

  smsPort(): SmsPort {
    return {
      send: async (m) => {
        this.add({ channel: 'sms', at: new Date().toISOString(), recipients: [m.phoneNumber], body: m.body });
        return { messageId: `local-${this.entries.length}` };
      },
    };
  }
}
