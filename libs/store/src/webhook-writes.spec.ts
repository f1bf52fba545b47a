import { sql } from 'kysely';
import { openStore } from './open-store';
import type { KyselyStore } from './kysely-store';

const ttl = 60_000;
const t0 = new Date('2026-03-10T06:00:00Z');
const event = (n: number) => ({
  connectorId: 'stripe',
  sourceEventId: `evt_${n}`,
  eventId: `hub-${n}`,
  correlationId: `corr-${n}`,
});

describe('WebhookWriteBatcher (group commit of the ingress dedupe writes)', () => {
  let store: KyselyStore;
  beforeEach(async () => {
    store = (await openStore('sqlite::memory:')) as KyselyStore;
  });
  afterEach(async () => {
    await store.close();
  });

  const stored = async () =>
    (
      await sql<{
        source_event_id: string;
        state: string;
      }>`select source_event_id, state from webhook_events order by source_event_id`.execute(
        store.db,
      )
    ).rows;

  it('writes the claims and confirms of concurrent requests in one transaction, each with its own answer', async () => {
    await store.rememberWebhookEvent(event(0), ttl, t0);
    const before = { ...store.webhookWrites.stats };
    const answers = await Promise.all([
      store.rememberWebhookEvent(event(1), ttl, t0),
      store.rememberWebhookEvent(event(2), ttl, t0),
      // The same id twice in one batch: the first claim wins, the second is told to retry.
      store.rememberWebhookEvent(
        { ...event(2), eventId: 'hub-x', correlationId: 'corr-x' },
        ttl,
        t0,
      ),
      store.confirmWebhookEvent(event(0)),
      store.confirmWebhookEvent({ ...event(0), eventId: 'not-the-owner' }),
    ]);
    expect(answers).toEqual([
      { isNew: true, eventId: 'hub-1', correlationId: 'corr-1', state: 'pending' },
      { isNew: true, eventId: 'hub-2', correlationId: 'corr-2', state: 'pending' },
      {
        isNew: false,
        eventId: 'hub-2',
        correlationId: 'corr-2',
        state: 'pending',
        retryAfterMs: expect.any(Number),
      },
      true,
      false,
    ]);
    expect(store.webhookWrites.stats.batches - before.batches).toBe(1);
    expect(store.webhookWrites.stats.writes - before.writes).toBe(5);
    // The two confirms in one statement, the three claims in another (the duplicate then alone).
    expect(store.webhookWrites.stats.multiRowPasses - before.multiRowPasses).toBe(2);
    expect(await stored()).toEqual([
      { source_event_id: 'evt_0', state: 'confirmed' },
      { source_event_id: 'evt_1', state: 'pending' },
      { source_event_id: 'evt_2', state: 'pending' },
    ]);
  });

  it('settles a write only after its transaction committed', async () => {
    const claim = store.rememberWebhookEvent(event(1), ttl, t0);
    // Queued, not yet written: nothing is visible before the promise resolves.
    expect(await stored()).toEqual([]);
    await claim;
    expect(await stored()).toEqual([{ source_event_id: 'evt_1', state: 'pending' }]);
  });

  it('keeps errors per write: a failing write in a batch fails alone, the others are stored', async () => {
    const before = { ...store.webhookWrites.stats };
    const boom = new Error('this write fails');
    let runs = 0;
    const results = await Promise.allSettled([
      store.rememberWebhookEvent(event(1), ttl, t0),
      store.webhookWrites.submit(async (db) => {
        runs += 1;
        // In the batch it writes something, then fails; run again alone it fails at once.
        if (runs === 1) {
          await sql`insert into webhook_events (connector_id, source_event_id, event_id, correlation_id, created_at, expires_at, state)
            values ('stripe', 'evt_partial', 'p', 'p', '2026-03-10T06:00:00Z', '2026-03-11T06:00:00Z', 'pending')`.execute(
            db,
          );
        }
        throw boom;
      }),
      store.rememberWebhookEvent(event(3), ttl, t0),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBe(boom);
    expect(runs).toBe(2);
    expect(store.webhookWrites.stats.fallbacks - before.fallbacks).toBe(1);
    // The batch was rolled back as a whole (no evt_partial); the two claims, run again alone,
    // are stored once each.
    expect(await stored()).toEqual([
      { source_event_id: 'evt_1', state: 'pending' },
      { source_event_id: 'evt_3', state: 'pending' },
    ]);
  });

  it('refuses a NUL in an id at once, without queueing it', async () => {
    const before = { ...store.webhookWrites.stats };
    await expect(
      store.rememberWebhookEvent({ ...event(1), sourceEventId: 'evt_\u0000' }, ttl, t0),
    ).rejects.toMatchObject({ name: 'StoreInputError', field: 'sourceEventId' });
    expect(store.webhookWrites.stats.writes).toBe(before.writes);
  });

  it('lets close() wait for the writes still queued', async () => {
    const claim = store.rememberWebhookEvent(event(1), ttl, t0);
    await store.webhookWrites.idle();
    await expect(claim).resolves.toMatchObject({ isNew: true });
  });
});
