import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MailPort, SmsPort } from '../channels/ports';

/** One message the local runtime "sent" by email or SMS. */
export interface OutboxEntry {
  channel: 'email' | 'sms';
  at: string;
  recipients: string[];
  subject?: string;
  body: string;
  html?: string;
}

/**
 * Email and SMS in the local runtime: appended to `<dataDir>/outbox.jsonl` (one JSON object per line)
 * and kept in memory for `GET /local/outbox`.
 */
export class Outbox {
  readonly entries: OutboxEntry[] = [];

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
