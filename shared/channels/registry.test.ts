import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Receiver } from '../config/schema';
import { ChannelConfigNotFoundError, channelConfig, senderFor } from './registry';
import { CHANNEL_SCHEMAS } from './schemas';
import { slackSender } from './slack/sender';
import { CHANNEL_TYPES, CONFIG_KEYS, channelSecretKeys, senderFunctionName } from '../channel-types';
import { webhookSender } from './webhook/sender';

const receiver = Receiver.parse({
  name: 'oncall',
  slack_configs: [{ webhook_url: { env: 'SLACK_URL' }, channel: '#a' }, { webhook_url: { env: 'SLACK_URL_2' } }],
  webhook_configs: [{ url: 'https://example.com/hook' }],
});

describe('channel registry', () => {
  it('every registered type has a schema, a sender of that type, a receiver key and a sender function', () => {
    expect(Object.keys(CHANNEL_SCHEMAS)).toEqual([...CHANNEL_TYPES]);
    const empty = Receiver.parse({ name: 'none' });
    for (const type of CHANNEL_TYPES) {
      expect(senderFor(type).type).toBe(type);
      expect(empty[CONFIG_KEYS[type]]).toEqual([]);
      expect(existsSync(new URL(`../../functions/${senderFunctionName(type)}/handler.ts`, import.meta.url)), `functions/${senderFunctionName(type)}/handler.ts`).toBe(true);
    }
    // The receiver schema's channel keys are the registry's, and nothing else ends in _configs.
    expect(Object.keys(Receiver.shape).filter((k) => k.endsWith('_configs'))).toEqual(Object.values(CONFIG_KEYS));
  });

  it('secret keys name keys of the entry schema', () => {
    for (const type of CHANNEL_TYPES) {
      const keys = Object.keys(CHANNEL_SCHEMAS[type].shape);
      for (const { key } of channelSecretKeys(type)) expect(keys, `${type}.${key}`).toContain(key);
    }
  });

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
