import { mockClient } from 'aws-sdk-client-mock';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHandler as createIngest } from '../../functions/ingest/handler';
import { parseConfigYaml } from '../config/loader';
import { envSecretResolver } from '../primitives/secrets';
import { LocalQueues } from '../local/queues';
import { silentLogger } from '../log';
import { unpackBody } from './body';
import { sqsQueueAdmin, sqsQueuePort } from './sqs';
import { compileConfig } from '../runtime/compiled-config';

const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());

describe('SQS adapters', () => {
  it('sends a batch to the mapped URL and fails when any entry failed (so the input is retried)', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [{ Id: 'a', MessageId: '1', MD5OfMessageBody: '' }], Failed: [] })
      .resolvesOnce({ Successful: [], Failed: [{ Id: 'a', Code: 'InternalError', SenderFault: false }] });
    const port = sqsQueuePort(new SQSClient({}), { alerts: 'https://sqs.local/alerts' });
    await port.send('alerts', [{ id: 'a', body: '{}', delaySeconds: 5 }]);
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input).toEqual({
      QueueUrl: 'https://sqs.local/alerts',
      Entries: [{ Id: 'a', MessageBody: '{}', DelaySeconds: 5 }],
    });
    await expect(port.send('alerts', [{ id: 'a', body: '{}' }])).rejects.toThrow(/1 of 1 messages to alerts failed: InternalError/);
    await expect(port.send('nope', [{ id: 'a', body: '{}' }])).rejects.toThrow(/no URL configured for queue nope/);
  });

  it('packs large bodies for SQS (ingest sends them packed), where the local queues keep them plain', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const port = sqsQueuePort(new SQSClient({}), { alerts: 'https://sqs.local/alerts' });
    const alerts = Array.from({ length: 100 }, (_, i) => ({ labels: { alertname: 'HighLatency', instance: `ip-10-0-${i}:9100` }, annotations: { summary: `HighLatency on ip-10-0-${i}` } }));
    const event = {
      rawPath: '/v1/alerts',
      routeKey: 'POST /v1/alerts',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: JSON.stringify({ alerts }),
      isBase64Encoded: false,
      requestContext: { requestId: 'r', http: { method: 'POST', path: '/v1/alerts', sourceIp: '127.0.0.1' } },
    } as unknown as APIGatewayProxyEventV2;
    const config = compileConfig(parseConfigYaml('auth:\n  bearer_tokens: [{ env: T }]\nroute: { receiver: team }\nreceivers: [{ name: team }]\n'));
    const res = await createIngest({ config, queues: port, secrets: envSecretResolver({ T: 't' }), clock: () => new Date(), log: silentLogger })(event);
    expect((res as { statusCode: number }).statusCode).toBe(202);
    const body = sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!.MessageBody!;
    expect(body.startsWith('br1:')).toBe(true);
    expect((JSON.parse(unpackBody(body)) as { alerts: unknown[] }).alerts).toHaveLength(100);
    expect(new LocalQueues(silentLogger).encode).toBeUndefined();
  });

  it('escapes U+FFFE and U+FFFF, which SQS does not take, so a label holding them arrives as sent', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const port = sqsQueuePort(new SQSClient({}), { alerts: 'https://sqs.local/alerts' });
    const json = JSON.stringify({ kind: 'alerts', labels: { x: 'a\uffffb\ufffe' } });
    await port.send('alerts', [{ id: 'a', body: json }]);
    const body = sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!.MessageBody!;
    expect(body).not.toMatch(/[\ufffe\uffff]/);
    expect(JSON.parse(unpackBody(body))).toEqual(JSON.parse(json));
  });

  it('redrives a DLQ with a message move task and reports its depth', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '3' } });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'h' });
    const admin = sqsQueueAdmin(new SQSClient({}), { 'slack-notifications': { queueArn: 'arn:q', dlqArn: 'arn:dlq', dlqUrl: 'https://sqs.local/dlq' } });
    expect(await admin.redrive('slack-notifications')).toEqual({ moved: 3, approximate: true });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]!.args[0].input).toEqual({ SourceArn: 'arn:dlq', DestinationArn: 'arn:q' });
    // An empty DLQ starts no task.
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
    expect(await admin.redrive('slack-notifications')).toEqual({ moved: 0, approximate: true });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(1);
  });
});
