import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { Routing } from '../../lib/routing';
import { State } from '../../lib/state';
import type { ChannelType } from '../../shared/queues/messages';
import { testConfig } from './synth';
import { asArray, statementsByRole } from './template';

// The Routing construct on its own, as an embedding app might use it: with an alerts queue that is
// encrypted with a customer managed key, the scheduler role needs that key to send to it.
describe('Routing with a KMS-encrypted alerts queue', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Embedded');
  const key = new Key(stack, 'Key', { enableKeyRotation: true });
  const alertsQueue = new Queue(stack, 'Alerts', { encryption: QueueEncryption.KMS, encryptionMasterKey: key });
  const routing = new Routing(stack, 'Routing', {
    config: testConfig(),
    table: new State(stack, 'State').table,
    alertsQueue,
    // No channels: only the alerts queue matters here.
    channelQueues: {} as Record<ChannelType, IQueue>,
  });
  const template = Template.fromStack(stack);
  const id = (c: IConstruct) => stack.getLogicalId(c.node.defaultChild as CfnElement);

  it('lets the scheduler role send to the queue and use its key for that, and nothing else', () => {
    const list = statementsByRole(template).get(id(routing.schedulerRole))!;
    const granted = list.map((s) => ({ actions: asArray(s.Action).sort(), resource: s.Resource }));
    expect(granted).toEqual([
      { actions: ['sqs:SendMessage'], resource: { 'Fn::GetAtt': [id(alertsQueue), 'Arn'] } },
      { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resource: { 'Fn::GetAtt': [id(key), 'Arn'] } },
    ]);
  });
});
