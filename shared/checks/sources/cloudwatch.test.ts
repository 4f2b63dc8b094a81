import { readFileSync } from 'node:fs';
import {
  CloudWatchClient,
  CloudWatchServiceException,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { CloudWatchSource } from '../config';
import { awsMetricData, GET_METRIC_DATA_MAX_QUERIES, observeCloudWatch } from './cloudwatch';
import type { CloudWatchQuery } from './port';

const cw = mockClient(CloudWatchClient);
afterAll(() => cw.restore());
beforeEach(() => cw.reset());

const NOW = new Date('2025-06-02T10:00:30.000Z');
const meta = { httpStatusCode: 200, requestId: '5f1c2b7e-0a39-4c7e-9d57-1b2c3d4e5f60', attempts: 1, totalRetryDelay: 0 };

function query(id: string, source: z.input<typeof CloudWatchSource>): CloudWatchQuery {
  return { id, source: CloudWatchSource.parse(source) };
}
const latency = (id: string, extra: Partial<z.input<typeof CloudWatchSource>> = {}) =>
  query(id, { namespace: 'AWS/ApiGateway', metric: 'Latency', dimensions: { ApiName: 'payments' }, statistic: 'p99', ...extra });

function complete(id: string, points: Array<[string, number]>): MetricDataResult {
  return { Id: id, Label: 'Latency', StatusCode: 'Complete', Timestamps: points.map(([t]) => new Date(t)), Values: points.map(([, v]) => v), Messages: [] };
}
function output(results: MetricDataResult[], NextToken?: string): GetMetricDataCommandOutput {
  return { MetricDataResults: results, Messages: [], ...(NextToken && { NextToken }), $metadata: meta };
}
/** Answers each query of a call with one datapoint whose value is its index in the call. */
function answerEach(input: GetMetricDataCommandInput): GetMetricDataCommandOutput {
  return output(input.MetricDataQueries!.map((q, i) => complete(q.Id!, [['2025-06-02T09:59:00Z', i]])));
}
const sent = () => cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);

describe('observeCloudWatch', () => {
  it('asks 500 queries of a region in one GetMetricData call, under ids of its own, and maps the answers back', async () => {
    cw.on(GetMetricDataCommand).callsFake(answerEach);
    const queries = Array.from({ length: GET_METRIC_DATA_MAX_QUERIES }, (_, i) => latency(`payments api/${i} ✓`));
    const got = await observeCloudWatch(queries, awsMetricData(), NOW);

    expect(sent()).toHaveLength(1);
    const ids = sent()[0]!.MetricDataQueries!.map((q) => q.Id);
    expect(ids).toEqual(Array.from({ length: 500 }, (_, i) => `q${i}`));
    expect(ids.every((id) => /^[a-z][a-zA-Z0-9_]*$/.test(id!))).toBe(true);
    expect(got.size).toBe(500);
    expect(got.get('payments api/0 ✓')).toEqual({ value: 0 });
    expect(got.get('payments api/499 ✓')).toEqual({ value: 499 });
  });

  it('splits 501 queries of a region into calls of 500 and 1', async () => {
    cw.on(GetMetricDataCommand).callsFake(answerEach);
    const queries = Array.from({ length: 501 }, (_, i) => latency(`c${i}`));
    const got = await observeCloudWatch(queries, awsMetricData(), NOW);

    expect(sent().map((i) => i.MetricDataQueries!.length)).toEqual([500, 1]);
    expect(got.size).toBe(501);
    expect(got.get('c499')).toEqual({ value: 499 });
    expect(got.get('c500')).toEqual({ value: 0 });
  });

  it('makes one call per region, on a client of that region, kept for the next evaluation', async () => {
    cw.on(GetMetricDataCommand).callsFake(answerEach);
    const port = awsMetricData();
    const queries = [latency('virginia', { region: 'us-east-1' }), latency('ireland', { region: 'eu-west-1' }), latency('virginia-2', { region: 'us-east-1' }), latency('home')];
    const got = await observeCloudWatch(queries, port, NOW);
    expect(got).toEqual(
      new Map([
        ['virginia', { value: 0 }],
        ['virginia-2', { value: 1 }],
        ['ireland', { value: 0 }],
        ['home', { value: 0 }],
      ]),
    );

    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls.map((c) => c.args[0].input.MetricDataQueries!.length)).toEqual([2, 1, 1]);
    const clients = calls.map((c) => c.thisValue as CloudWatchClient);
    expect(new Set(clients).size).toBe(3);
    expect(await clients[0]!.config.region()).toBe('us-east-1');
    expect(await clients[1]!.config.region()).toBe('eu-west-1');

    await observeCloudWatch(queries, port, NOW);
    expect(cw.commandCalls(GetMetricDataCommand).slice(3).map((c) => c.thisValue)).toEqual(clients);
  });

  it('sends a MetricStat or an expression, over three of the call’s largest period back from now', async () => {
    cw.on(GetMetricDataCommand).callsFake(answerEach);
    await observeCloudWatch(
      [
        query('errors', { expression: 'SUM(SEARCH(\'{AWS/Lambda,FunctionName} MetricName="Errors"\', \'Sum\'))', period: 300 }),
        query('lag', { namespace: 'AWS/SQS', metric: 'ApproximateAgeOfOldestMessage', dimensions: { QueueName: 'alerts', Env: 'prod' }, statistic: 'Maximum' }),
      ],
      awsMetricData(),
      NOW,
    );
    expect(sent()).toEqual([
      {
        MetricDataQueries: [
          // Ordered by period: like periods share calls.
          {
            Id: 'q0',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/SQS',
                MetricName: 'ApproximateAgeOfOldestMessage',
                Dimensions: [
                  { Name: 'QueueName', Value: 'alerts' },
                  { Name: 'Env', Value: 'prod' },
                ],
              },
              Period: 60,
              Stat: 'Maximum',
            },
            ReturnData: true,
          },
          { Id: 'q1', Expression: 'SUM(SEARCH(\'{AWS/Lambda,FunctionName} MetricName="Errors"\', \'Sum\'))', Period: 300, ReturnData: true },
        ],
        // Complete 300 s periods only: the window ends where the period in progress (10:00:00) began.
        StartTime: new Date('2025-06-02T09:45:00.000Z'),
        EndTime: new Date('2025-06-02T10:00:00.000Z'),
        ScanBy: 'TimestampDescending',
      },
    ]);
    expect(Object.keys(sent()[0]!)).not.toContain('NextToken');
  });

  it('answers the latest datapoint whatever the order, no data for none, and the latest of partial data', async () => {
    cw.on(GetMetricDataCommand).resolves(
      output([
        complete('q0', [
          ['2025-06-02T09:58:00Z', 210.5],
          ['2025-06-02T09:59:00Z', 480.25],
          ['2025-06-02T09:57:00Z', 120],
        ]),
        { Id: 'q1', Label: 'Latency', StatusCode: 'Complete', Timestamps: [], Values: [], Messages: [] },
        { ...complete('q2', [['2025-06-02T09:56:00Z', 3], ['2025-06-02T09:59:00Z', 7]]), StatusCode: 'PartialData' },
      ]),
    );
    const got = await observeCloudWatch([latency('unordered'), latency('quiet'), latency('partial')], awsMetricData(), NOW);
    expect(got).toEqual(
      new Map([
        ['unordered', { value: 480.25 }],
        ['quiet', { value: undefined }],
        ['partial', { value: 7 }],
      ]),
    );
  });

  it('answers an error for a Forbidden or InternalError result, and for a query CloudWatch left out', async () => {
    cw.on(GetMetricDataCommand).resolves(
      output([
        {
          Id: 'q0',
          StatusCode: 'Forbidden',
          Timestamps: [],
          Values: [],
          Messages: [
            { Code: 'Forbidden', Value: 'User is not authorized to access namespace AWS/RDS' },
            { Code: 'Forbidden', Value: 'cross-account access is not enabled' },
          ],
        },
        { Id: 'q1', StatusCode: 'InternalError', Timestamps: [new Date('2025-06-02T09:59:00Z')], Values: [1], Messages: [] },
      ]),
    );
    const got = await observeCloudWatch([latency('rds'), latency('flaky'), latency('dropped')], awsMetricData(), NOW);
    expect(got).toEqual(
      new Map([
        ['rds', { error: 'CloudWatch Forbidden: User is not authorized to access namespace AWS/RDS; cross-account access is not enabled' }],
        ['flaky', { error: 'CloudWatch InternalError' }],
        ['dropped', { error: 'CloudWatch returned no result for this query' }],
      ]),
    );
  });

  it('follows NextToken with the same request and merges the pages', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce(output([{ ...complete('q0', [['2025-06-02T09:58:00Z', 11]]), StatusCode: 'PartialData' }], 'page-2'))
      .resolvesOnce(output([complete('q0', [['2025-06-02T09:59:00Z', 12]]), complete('q1', [['2025-06-02T09:59:00Z', 21]])], 'page-3'))
      .resolvesOnce(output([complete('q0', [['2025-06-02T09:57:00Z', 10]])]));
    const got = await observeCloudWatch([latency('a'), latency('b')], awsMetricData(), NOW);

    expect(got).toEqual(
      new Map([
        ['a', { value: 12 }],
        ['b', { value: 21 }],
      ]),
    );
    const [first, second, third] = sent();
    expect(sent()).toHaveLength(3);
    expect(second).toEqual({ ...first, NextToken: 'page-2' });
    expect(third).toEqual({ ...first, NextToken: 'page-3' });
  });

  it('answers every query of a call that throws with its error name and message; other calls stand', async () => {
    const throttled = new CloudWatchServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { ...meta, httpStatusCode: 400 }, message: 'Rate exceeded' });
    cw.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput, getClient: () => CloudWatchClient) => {
      if ((await getClient().config.region()) === 'eu-west-1') throw throttled;
      return answerEach(input);
    });
    const got = await observeCloudWatch(
      [latency('eu-1', { region: 'eu-west-1' }), latency('us', { region: 'us-east-1' }), latency('eu-2', { region: 'eu-west-1' })],
      awsMetricData(),
      NOW,
    );
    expect(got).toEqual(
      new Map([
        ['eu-1', { error: 'GetMetricData failed: ThrottlingException: Rate exceeded' }],
        ['eu-2', { error: 'GetMetricData failed: ThrottlingException: Rate exceeded' }],
        ['us', { value: 0 }],
      ]),
    );
  });

  it('keeps a failed call’s error to its first line: no stack, no credentials quoted after it', async () => {
    const signature = new CloudWatchServiceException({
      name: 'SignatureDoesNotMatch',
      $fault: 'client',
      $metadata: { ...meta, httpStatusCode: 403 },
      message:
        'The request signature we calculated does not match the signature you provided.\n\nThe Canonical String for this request should have been\n' +
        "'POST\n/\n\nhost:monitoring.us-east-1.amazonaws.com\nx-amz-security-token:IQoJb3JpZ2luX2VjEXAMPLETOKEN\n'",
    });
    cw.on(GetMetricDataCommand).rejects(signature);
    const got = await observeCloudWatch([latency('a')], awsMetricData(), NOW);
    expect(got.get('a')).toEqual({ error: 'GetMetricData failed: SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.' });

    cw.on(GetMetricDataCommand).rejects(new CloudWatchServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: meta, message: 'key ASIAIOSFODNN7EXAMPLE is not allowed' }));
    expect((await observeCloudWatch([latency('a')], awsMetricData(), NOW)).get('a')).toEqual({ error: 'GetMetricData failed: AccessDenied: key ASIA**** is not allowed' });
  });

  it('runs at most four calls at once', async () => {
    let inFlight = 0;
    let most = 0;
    cw.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return answerEach(input);
    });
    const regions = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];
    const got = await observeCloudWatch(
      regions.map((region) => latency(region, { region })),
      awsMetricData(),
      NOW,
    );
    expect(sent()).toHaveLength(7);
    expect(most).toBe(4);
    expect([...got.values()]).toEqual(regions.map(() => ({ value: 0 })));
  });

  it('makes no call for no queries', async () => {
    expect(await observeCloudWatch([], awsMetricData(), NOW)).toEqual(new Map());
    expect(sent()).toHaveLength(0);
  });

  it('imports only types of the CloudWatch SDK at the top of the module (it is loaded on first use)', () => {
    const source = readFileSync(new URL('./cloudwatch.ts', import.meta.url), 'utf8');
    const imports = source.match(/^import\b[^;]*from '@aws-sdk\/client-cloudwatch';/gm) ?? [];
    expect(imports).toHaveLength(1);
    expect(imports.every((line) => line.startsWith('import type '))).toBe(true);
  });
});
