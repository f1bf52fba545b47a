import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripeDedupeKey } from '@exhub/connectors/stripe';
import { startHub, stripeHeaders, subscribe, take, type Harness } from './hub-harness';

const dispute = JSON.parse(
  readFileSync(
    join(__dirname, '../../../connectors/stripe/fixtures/charge.dispute.created.json'),
    'utf8',
  ),
) as Record<string, unknown>;
const QUIET_MS = 500;

/**
 * The dedupe claim of a webhook is only "done" once the broker confirmed the publish. A claim left
 * pending by a hub that died (or whose broker stalled) before the confirm is seeded directly in the
 * hub's store here, as that hub would have left it; the sender's retry must then be published,
 * never answered as a duplicate. The crash itself is exercised in test/e2e/faults.
 */
describe('webhook dedupe claim: pending until the broker confirms (real broker, real store)', () => {
  let hub: Harness;
  let ingressTap: string;

  beforeAll(async () => {
    hub = await startHub();
    ingressTap = await subscribe(hub.channel, hub.rt.topology.names.ingress, '');
  });
  afterAll(async () => hub?.close());

  const eventBody = (id: string) => Buffer.from(JSON.stringify({ ...dispute, id }));
  /** What the Stripe connector claims a delivery under: its id and a digest of its content. */
  const claimKey = (id: string) => stripeDedupeKey({ ...dispute, id });
  const pendingTimeoutMs = () => hub.rt.publisher.confirmTimeoutMs + 2000;
  const seedPendingClaim = (id: string, claimedAt: Date) =>
    hub.rt.store.rememberWebhookEvent(
      {
        connectorId: 'stripe',
        sourceEventId: claimKey(id),
        eventId: `dead-${id}`,
        correlationId: 'c0',
      },
      60 * 60 * 1000,
      claimedAt,
      pendingTimeoutMs(),
    );

  it('confirms the claim after the publish, so a retry is a duplicate and publishes nothing', async () => {
    const body = eventBody('evt_claim_confirmed');
    const first = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(first.status).toBe(202);
    expect(await take(hub.channel, ingressTap, 1)).toHaveLength(1);
    const claim = await hub.rt.store.rememberWebhookEvent(
      {
        connectorId: 'stripe',
        sourceEventId: claimKey('evt_claim_confirmed'),
        eventId: 'x',
        correlationId: 'y',
      },
      60_000,
    );
    expect(claim).toMatchObject({ isNew: false, state: 'confirmed', eventId: first.json.eventId });
  });

  it('answers 503 in_progress with Retry-After while another acceptance awaits its confirm', async () => {
    await seedPendingClaim('evt_claim_young', new Date());
    const body = eventBody('evt_claim_young');
    const res = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(res.status).toBe(503);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(pendingTimeoutMs() / 1000));
    expect(res.json).toMatchObject({
      error: 'in_progress',
      message: expect.stringContaining('"evt_claim_young" of connector "stripe"'),
    });
    await new Promise((r) => setTimeout(r, QUIET_MS));
    expect((await hub.channel.checkQueue(ingressTap)).messageCount).toBe(0);
  });

  it('takes over a stale pending claim (its hub died) and publishes with the first ids', async () => {
    await seedPendingClaim('evt_claim_stale', new Date(Date.now() - pendingTimeoutMs() - 1));
    const body = eventBody('evt_claim_stale');
    const res = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ eventId: 'dead-evt_claim_stale', correlationId: 'c0' });
    const [msg] = await take(hub.channel, ingressTap, 1);
    expect(msg?.properties.messageId).toBe('dead-evt_claim_stale');
    // Now confirmed: the next retry is the duplicate.
    const again = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(again).toMatchObject({ status: 202, json: { duplicate: true } });
  });

  it('refuses a source event id holding a NUL with 400 naming it, and publishes nothing', async () => {
    const body = eventBody('evt_a\u0000b');
    const res = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      error: 'malformed',
      // Refused at the connector already (any control character); the store refuses it too.
      message: expect.stringMatching(/"evt_a\\u0000b" .*NUL/),
    });
    await new Promise((r) => setTimeout(r, QUIET_MS));
    expect((await hub.channel.checkQueue(ingressTap)).messageCount).toBe(0);
  });
});
