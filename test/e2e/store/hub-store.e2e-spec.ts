import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CanonicalException } from '@exhub/canonical';
import { startHub, stripeHeaders, subscribe, take, type Harness } from '../hub/hub-harness';

const dispute = readFileSync(
  join(__dirname, '../../../connectors/stripe/fixtures/charge.dispute.created.json'),
);
const QUIET_MS = 1000;

/** The dispute fixture as a new Stripe event (its own id), optionally with a changed amount. */
function disputeEvent(eventId: string, amount?: number): Buffer {
  const event = JSON.parse(dispute.toString('utf8'));
  event.id = eventId;
  if (amount !== undefined) event.data.object.amount = amount;
  return Buffer.from(JSON.stringify(event));
}

describe('the hub persists what it publishes (real broker, SQLite store in a temp file)', () => {
  let dir: string;
  let hub: Harness;
  let finance: string;
  let firstAcceptance: Record<string, unknown>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-hub-store-'));
    hub = await startHub({ EXHUB_STORE_URL: `sqlite:${join(dir, 'exhub.db')}` });
    finance = await subscribe(hub.channel, hub.rt.topology.names.exceptions, 'finance.#');
  });
  afterAll(async () => {
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores one exception at version 1 for a dispute posted twice', async () => {
    const body = disputeEvent('evt_store_e2e_1');
    const first = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(first.status).toBe(202);
    firstAcceptance = first.json;
    const again = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(again.json).toEqual({ ...first.json, duplicate: true });

    const [msg] = await take(hub.channel, finance, 1);
    const published = JSON.parse(msg.content.toString('utf8')) as CanonicalException;
    expect(published.version).toBe(1);
    expect(msg.properties.messageId).toBe(`${published.id}:1`);
    expect(await take(hub.channel, finance, 1, QUIET_MS)).toHaveLength(0);

    const stored = await hub.rt.store.getException(published.id);
    expect(stored).toMatchObject({ id: published.id, version: 1, status: 'open' });
    expect(stored?.correlationId).toBe(first.json.correlationId);
    expect(await hub.rt.store.exceptionHistory(published.id)).toHaveLength(1);
    const trail = await hub.rt.store.auditTrail({ exceptionId: published.id });
    expect(trail.map((e) => [e.action, e.actor])).toEqual([['exception.created', 'pipeline']]);
  });

  it('answers a redelivery after a restart as a duplicate: the store remembers, not the cache', async () => {
    await hub.close();
    hub = await startHub({ EXHUB_STORE_URL: `sqlite:${join(dir, 'exhub.db')}` });
    finance = await subscribe(hub.channel, hub.rt.topology.names.exceptions, 'finance.#');
    const body = disputeEvent('evt_store_e2e_1');
    const res = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ ...firstAcceptance, duplicate: true });
    expect(await take(hub.channel, finance, 1, QUIET_MS)).toHaveLength(0);
  });

  it('gives a re-mapped dispute with a different amount version 2, kept in the history', async () => {
    const body = disputeEvent('evt_store_e2e_2', 4500);
    expect((await hub.post('/v1/ingest/stripe', body, stripeHeaders(body))).status).toBe(202);
    const [msg] = await take(hub.channel, finance, 1);
    const published = JSON.parse(msg.content.toString('utf8')) as CanonicalException;
    expect(published.amount).toEqual({ value: '45.00', currency: 'USD' });
    expect(published.version).toBe(2);
    expect(msg.properties.messageId).toBe(`${published.id}:2`);

    const history = await hub.rt.store.exceptionHistory(published.id);
    expect(history.map((h) => [h.version, h.exception.amount?.value])).toEqual([
      [1, '22.00'],
      [2, '45.00'],
    ]);
    expect(
      (await hub.rt.store.auditTrail({ exceptionId: published.id })).map((e) => e.action),
    ).toEqual(['exception.created', 'exception.updated']);
    expect(await hub.rt.store.verifyAudit()).toMatchObject({ ok: true, entries: 2 });
  });

  it('names the store in readiness', async () => {
    const res = await hub.get('/health/ready');
    expect(JSON.parse(res.body).checks.store).toEqual({
      ok: true,
      detail: expect.stringMatching(/^sqlite store sqlite:.*exhub\.db answers$/),
    });
  });
});
