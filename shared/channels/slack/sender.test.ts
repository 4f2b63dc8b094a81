import { expect } from 'vitest';
import { httpSenderContract } from '../../../test/support/sender-contract';
import { SLACK_LIMITS, type SlackBlock, type SlackPayload } from './render';
import { slackSender } from './sender';

const SLACK_URL = 'https://hooks.slack.com/services/T0000SECRET/B0000SECRET/SlackTokenAbcdef123456';

httpSenderContract({
  type: 'slack',
  sender: slackSender,
  entry: { webhook_url: { env: 'SLACK_URL' } },
  secrets: { SLACK_URL },
  secretValues: [SLACK_URL, 'SlackTokenAbcdef123456', '/services/T0000SECRET/B0000SECRET/SlackTokenAbcdef123456'],
  credentials: ['SlackTokenAbcdef123456'],
  target: 'slack:hooks.slack.com',
  url: SLACK_URL,
  checkHuge(rendered) {
    const payload = JSON.parse(rendered.body) as SlackPayload;
    const blocks: SlackBlock[] = [...payload.blocks, ...payload.attachments.flatMap((a) => a.blocks)];
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const b of blocks) {
      if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
      if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      if (b.type === 'context') for (const e of b.elements) expect(e.text.length).toBeLessThanOrEqual(SLACK_LIMITS.contextText);
    }
    expect(payload.text.length).toBeLessThanOrEqual(300);
    expect(rendered.body.length).toBeLessThan(40_000);
    expect(rendered.body).toContain('480 more alerts not shown');
    expect(rendered.body).toContain('25 more alerts left out');
  },
});
