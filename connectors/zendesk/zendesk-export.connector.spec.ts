import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractConfigReference, generateConfigReference } from '@exhub/connector-sdk';
import { drain, runConnectorContract } from '../../libs/connector-sdk/testing';
import type { ZendeskMetricEvent } from './sla-events';
import {
  fixtureTickets,
  SIMULATOR_API_TOKEN,
  SIMULATOR_EMAIL,
  SIMULATOR_OAUTH_TOKEN,
  ZendeskSimulator,
  type ZendeskTicket,
} from './testing';
import {
  ZENDESK_EXPORT_CONFIG_SCHEMA,
  ZendeskExportConnector,
  zendeskExportFromSettings,
  type ZendeskExportConfig,
} from './zendesk-export.connector';

const RETRY_AFTER_SECONDS = 1;
const BREAKER_RESET_MS = 300;

function connectorFor(
  sim: ZendeskSimulator,
  extra: Partial<ZendeskExportConfig> = {},
): ZendeskExportConnector {
  return new ZendeskExportConnector({
    id: 'zendesk-export-test',
    instanceUrl: sim.instanceUrl,
    auth: { kind: 'token', email: SIMULATOR_EMAIL, apiToken: SIMULATOR_API_TOKEN },
    startFrom: '2026-01-01',
    pageSize: 2,
    timeoutMs: 2_000,
    retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 50 },
    breaker: { resetTimeoutMs: BREAKER_RESET_MS, volumeThreshold: 2, errorThresholdPercentage: 50 },
    ...extra,
  });
}

let serial = 0;
/** A new ticket, changed after every fixture. */
function newTicket(): ZendeskTicket {
  serial++;
  const [template] = fixtureTickets();
  return {
    ...template,
    id: 40000 + serial,
    updated_at: new Date(Date.UTC(2026, 3, 1) + serial * 1000).toISOString().replace('.000', ''),
  };
}

const ids = (events: { payload: unknown }[]) => events.map((e) => (e.payload as { id: number }).id);

runConnectorContract('zendesk-export', async () => {
  const sim = await ZendeskSimulator.start({ retryAfterSeconds: RETRY_AFTER_SECONDS });
  const connector = connectorFor(sim);
  return {
    connector,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    breakerResetMs: BREAKER_RESET_MS,
    simulator: {
      fail: (kind, count) => sim.fail(kind, count),
      heal: () => sim.heal(),
      get requests() {
        return sim.requests;
      },
      addNewItems: (n) => sim.add(...Array.from({ length: n }, newTicket)),
      // A ticket id as text, as a proxy that re-serialises the export writes it.
      addPoisonItem: () => {
        const t = newTicket();
        sim.add({ ...t, id: String(t.id) as unknown as number });
      },
    },
    close: async () => {
      await connector.close();
      await sim.close();
    },
  };
});

describe('Zendesk incremental export connector', () => {
  let sim: ZendeskSimulator;
  let connector: ZendeskExportConnector;
  beforeEach(async () => {
    sim = await ZendeskSimulator.start();
    connector = connectorFor(sim);
  });
  afterEach(async () => {
    await connector.close();
    await sim.close();
  });

  it('exports every ticket once, oldest change first: start_time, then after_cursor until end_of_stream', async () => {
    const { events, cursor } = await drain(connector, undefined);
    expect(ids(events)).toEqual([35436, 35437, 35438, 35439]);
    expect(events[0]).toMatchObject({
      objectType: 'ticket',
      sourceEventId: 'ticket/35436@2026-03-02T15:40:12Z',
      changedAt: '2026-03-02T15:40:12.000Z',
    });
    expect(sim.log[0]).toBe(
      '/api/v2/incremental/tickets/cursor.json?start_time=1767225600&per_page=2',
    );
    expect(sim.log[1]).toMatch(
      /^\/api\/v2\/incremental\/tickets\/cursor\.json\?cursor=[\w-]+&per_page=2$/,
    );
    expect(cursor).toMatchObject({ v: 1, startTime: 1767225600, afterCursor: expect.any(String) });
  });

  it('picks up a ticket changed after the last export (a re-export, same id, new state)', async () => {
    const first = await drain(connector, undefined);
    sim.update(35439, { status: 'open', priority: 'urgent' }, '2026-04-02T10:00:00Z');
    const next = await drain(connector, first.cursor);
    expect(next.events.map((e) => e.sourceEventId)).toEqual(['ticket/35439@2026-04-02T10:00:00Z']);
  });

  it('authenticates with an OAuth bearer token when auth is oauth', async () => {
    await connector.close();
    connector = zendeskExportFromSettings('zendesk-export-oauth', {
      instanceUrl: sim.instanceUrl,
      auth: 'oauth',
      accessToken: SIMULATOR_OAUTH_TOKEN,
      startFrom: '2026-01-01',
    });
    expect((await drain(connector, undefined)).events).toHaveLength(4);
    expect(() =>
      zendeskExportFromSettings('zd', {
        instanceUrl: sim.instanceUrl,
        auth: 'token',
        email: 'a@b',
      }),
    ).toThrow('connector \'zd\': settings.apiToken is required when auth is "token"');
  });

  it('reports a revoked API token in the connection check, without the token', async () => {
    await connector.close();
    connector = connectorFor(sim, {
      auth: { kind: 'token', email: SIMULATOR_EMAIL, apiToken: 'revoked-token' },
    });
    const check = await connector.checkConnection();
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/HTTP 401/);
    expect(check.detail).not.toContain('revoked-token');
  });

  it('sets aside a ticket without an integer id, with a JSON pointer, and reads the others', async () => {
    sim.add({ ...newTicket(), updated_at: '2026-05-01T00:00:00Z' });
    const bad = sim.tickets.at(-1)!;
    (bad as Record<string, unknown>).id = 'forty';
    const { events, rejected } = await drain(connector, undefined);
    expect(ids(events)).not.toContain('forty');
    expect(events.length).toBeGreaterThan(0);
    expect(rejected).toEqual([
      {
        objectType: 'ticket',
        record: bad,
        pointer: expect.stringMatching(/^\/tickets\/\d+$/),
        issues: [expect.objectContaining({ pointer: '/id', rule: 'type' })],
      },
    ]);
  });

  it('looks up an organization by id, and says NOT_FOUND for an unknown one', async () => {
    await expect(connector.lookup({ type: 'organization', id: '361234' })).resolves.toMatchObject({
      name: 'Initech GmbH',
    });
    await expect(connector.lookup({ type: 'organization', id: '999' })).rejects.toMatchObject({
      errorClass: 'NOT_FOUND',
    });
  });

  it('has a README whose export config table is generated from zendesk-export.config.schema.json', () => {
    const readme = readFileSync(join(__dirname, 'README.md'), 'utf8');
    const block = extractConfigReference(readme.split(/^## Export settings$/m)[1] ?? '');
    expect(block).toBe(generateConfigReference(ZENDESK_EXPORT_CONFIG_SCHEMA));
  });
});

describe('zendesk-export SLA metric events (settings.slaEvents)', () => {
  const metricEvents = (
    JSON.parse(readFileSync(join(__dirname, 'fixtures/ticket-metric-events.json'), 'utf8')) as {
      ticket_metric_events: ZendeskMetricEvent[];
    }
  ).ticket_metric_events;

  it('publishes the SLA state of each ticket as a ticket_sla record and goes on from end_time', async () => {
    const sim = await ZendeskSimulator.start({
      tickets: [],
      metricEvents: metricEvents.slice(0, 5),
    });
    const connector = connectorFor(sim, { slaEvents: true });
    try {
      const first = await connector.poll(undefined);
      const sla = first.events.filter((e) => e.objectType === 'ticket_sla');
      expect(sla.map((e) => e.payload)).toEqual([
        expect.objectContaining({
          ticket_id: 35436,
          status: 'breached',
          due_at: '2026-03-02T09:00:00Z',
        }),
        expect.objectContaining({ ticket_id: 35437, status: 'active', business_hours: true }),
      ]);
      expect(sla[0].sourceEventId).toBe('ticket_sla/35436@926232157305');
      expect(
        sim.log.some((l) =>
          l.startsWith('/api/v2/incremental/ticket_metric_events.json?start_time='),
        ),
      ).toBe(true);
      // The fulfill arrives later: the next poll reads from end_time and sees only what is new.
      sim.addMetricEvents(...metricEvents.slice(5));
      const next = await connector.poll(first.nextCursor);
      expect(next.events.map((e) => e.payload)).toEqual([
        expect.objectContaining({
          ticket_id: 35436,
          status: 'fulfilled',
          fulfilled_at: '2026-03-02T10:15:00Z',
        }),
      ]);
    } finally {
      await connector.close();
      await sim.stop();
    }
  });

  it('reads no metric events unless slaEvents is on', async () => {
    const sim = await ZendeskSimulator.start({ tickets: [], metricEvents });
    const connector = connectorFor(sim);
    try {
      const page = await connector.poll(undefined);
      expect(page.events).toEqual([]);
      expect(sim.log.some((l) => l.includes('ticket_metric_events'))).toBe(false);
    } finally {
      await connector.close();
      await sim.stop();
    }
  });
});
