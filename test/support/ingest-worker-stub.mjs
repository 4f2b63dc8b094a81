// A stand-in ingest worker for test/unit/local/ingest-pool.test.ts: it answers each request 202 with
// one send to the queue its body names, as the real worker hands back the handler's sends.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (m) => {
  const { queue } = JSON.parse(m.event.body);
  const result = { statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"status":"accepted"}' };
  const counts = [{ metric: 'alertsReceived', value: 1, labels: { source: 'generic' } }];
  parentPort.postMessage({ kind: 'response', id: m.id, result, sends: [{ queue, messages: [{ id: 'm0', body: `for ${queue}` }] }], counts });
});
parentPort.postMessage({ kind: 'ready' });
