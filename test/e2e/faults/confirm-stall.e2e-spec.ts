/**
 * A stalled path to the broker (connection open, nothing confirmed): readiness must stop saying
 * "publishes are confirmed" (issue 20, finding 9) and say for how long nothing was confirmed; once
 * the path resumes, the stalled webhook is answered 202 and readiness is 200 again.
 */
import { FaultProxy } from '../../support/fault-proxy';
import { AMQP_URL, startHub, stripeHeaders, type Harness } from '../hub/hub-harness';
import { sequenceEvent } from '../../support/sequence-checker';
import { targetOf } from './fault-harness';

/** Above the publisher's stall threshold (2 s), below its confirm timeout (5 s). */
const STALL_MS = 3_000;

describe('fault: readiness during a broker confirm stall', () => {
  let proxy: FaultProxy;
  let hub: Harness;

  beforeAll(async () => {
    proxy = await FaultProxy.start(targetOf(AMQP_URL, 5672));
    hub = await startHub({ AMQP_URL: proxy.proxied(AMQP_URL) });
  });
  afterAll(async () => {
    await hub?.close();
    await proxy?.close();
  });

  it('names the stall while it lasts and recovers when confirms flow again', async () => {
    expect(JSON.parse((await hub.get('/health/ready')).body).checks.broker).toEqual({
      ok: true,
      detail: 'connected; publishes are confirmed',
    });
    proxy.stall();
    const body = sequenceEvent(1);
    const pending = hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    await new Promise((resolve) => setTimeout(resolve, STALL_MS));
    const ready = await hub.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).checks.broker).toEqual({
      ok: false,
      detail: expect.stringMatching(
        /^cannot confirm publishes: the broker has not confirmed a publish for \d+ ms \(1 awaiting a confirm\)$/,
      ),
    });
    proxy.resume();
    expect((await pending).status).toBe(202);
    expect((await hub.get('/health/ready')).status).toBe(200);
  });
});
