import { describe, expect, it } from 'vitest';
import { Receiver } from '../config/schema';
import { ChannelConfigNotFoundError, channelConfig, senderFor } from './registry';
import { slackSender } from './slack/sender';
import { webhookSender } from './webhook/sender';

const receiver = Receiver.parse({
  name: 'oncall',
  slack_configs: [{ webhook_url: { env: 'SLACK_URL' }, channel: '#a' }, { webhook_url: { env: 'SLACK_URL_2' } }],
  webhook_configs: [{ url: 'https://example.com/hook' }],
});

describe('registry', () => {
  it('senderFor returns the sender of each type', () => {
    expect(senderFor('slack')).toBe(slackSender);
    expect(senderFor('webhook')).toBe(webhookSender);
    expect(senderFor('slack').type).toBe('slack');
  });

  it('channelConfig returns the indexed entry', () => {
    expect(channelConfig(receiver, 'slack', 0).channel).toBe('#a');
    expect(channelConfig(receiver, 'slack', 1).webhook_url).toEqual({ env: 'SLACK_URL_2' });
    expect(channelConfig(receiver, 'webhook', 0).url).toBe('https://example.com/hook');
  });

  it('channelConfig throws a typed error naming what is missing', () => {
    expect(() => channelConfig(receiver, 'webhook', 1)).toThrow(ChannelConfigNotFoundError);
    expect(() => channelConfig(receiver, 'webhook', 1)).toThrow('receiver "oncall" has no webhook_configs[1] (it has 1 webhook_configs entry)');
    const empty = Receiver.parse({ name: 'none' });
    const err = (() => {
      try {
        channelConfig(empty, 'slack', 0);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ code: 'channel_config_not_found', message: 'receiver "none" has no slack_configs[0] (it has 0 slack_configs entries)' });
  });
});
