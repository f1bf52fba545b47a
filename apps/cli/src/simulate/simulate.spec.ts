import { join } from 'node:path';
import type { CanonicalException } from '@exhub/canonical';
import { parseXml } from '@exhub/connector-sdk';
import { MappingRegistry } from '@exhub/mapping';
import { PolicyScorer, loadPolicyFile } from '@exhub/prioritization';
import { dryRun } from '@exhub/pipeline';
import { SIM_DRIVERS } from './drivers';
import { parseDuration } from './engine';
import { EventGenerator, closeDateFor, planScenario, type PlannedEvent } from './plan';
import { Rng } from './prng';
import { loadReferenceData } from './reference-data';
import { SCENARIOS } from './scenarios';
import { supportAccount } from './support-accounts';
import type { ReferenceData } from './types';

const ROOT = join(__dirname, '../../../..');
const NOW = new Date('2026-11-27T10:00:00Z');
const DAY = 86_400_000;

let refs: ReferenceData;
let registry: MappingRegistry;
let scorer: PolicyScorer;

beforeAll(async () => {
  refs = await loadReferenceData(join(ROOT, 'mappings'));
  // Generous time limits: this checks what the mappings make of the payloads, not how fast a
  // loaded CI machine evaluates them (the hub's 50 ms default would make that flaky).
  registry = await MappingRegistry.loadDir(join(ROOT, 'mappings'), {
    limits: { expressionTimeoutMs: 5_000, mappingTimeoutMs: 10_000 },
  });
  scorer = new PolicyScorer(loadPolicyFile(join(ROOT, 'policies/priority.yaml')));
});

function generate(scenario: string, seed: number, count: number): PlannedEvent[] {
  const plan = planScenario(SCENARIOS[scenario], SIM_DRIVERS);
  const gen = new EventGenerator(plan, SIM_DRIVERS, refs, seed);
  return Array.from({ length: count }, (_, i) => gen.next(new Date(NOW.getTime() + i * 200)));
}

async function mapEvent(e: PlannedEvent): Promise<Awaited<ReturnType<typeof dryRun>>> {
  const payload = e.contentType.includes('xml') ? parseXml(e.body) : JSON.parse(e.body);
  return dryRun(
    { registry, scorer, connectorVersion: 'spec', now: () => NOW },
    { system: e.system, objectType: e.objectType },
    payload,
    { connector: e.driver },
  );
}

describe('reference data', () => {
  it('lists the suppliers and customers of the lookup tables with their criticality and tier', () => {
    expect(refs.listedSuppliers).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: '100045', tier: 'critical' })]),
    );
    expect(refs.listedCustomers).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'cus_tanaka', tier: 'strategic' })]),
    );
    const listed = new Set(refs.listedSuppliers.map((p) => p.id));
    expect(refs.tailSuppliers.length).toBeGreaterThan(0);
    expect(refs.tailSuppliers.some((p) => listed.has(p.id))).toBe(false);
  });
});

describe('seeded generation', () => {
  it('the same seed yields the same events; another seed different ones', () => {
    const a = generate('month-end-close', 42, 200);
    const b = generate('month-end-close', 42, 200);
    const c = generate('month-end-close', 43, 200);
    expect(b.map((e) => e.body)).toEqual(a.map((e) => e.body));
    expect(c.map((e) => e.body)).not.toEqual(a.map((e) => e.body));
    expect(new Rng(7).next()).toBe(new Rng(7).next());
  });

  it('draws each kind in proportion to its weight (within 1.5 points over 20,000 events)', () => {
    const scenario = SCENARIOS['month-end-close'];
    const events = generate('month-end-close', 1, 20_000);
    const total = scenario.mix.reduce((s, e) => s + e.weight, 0);
    for (const entry of scenario.mix) {
      const n = events.filter((e) => e.driver === entry.driver && e.kind === entry.kind).length;
      expect(Math.abs(n / events.length - entry.weight / total)).toBeLessThan(0.015);
    }
  });

  it('month-end-close is mostly AP exceptions due in the days around the close date', () => {
    const events = generate('month-end-close', 5, 2_000);
    const erp = events.filter((e) => e.driver === 'sap-s4' || e.driver === 'netsuite');
    expect(erp.length / events.length).toBeGreaterThan(0.7);
    const ap = events.filter((e) => e.driver === 'sap-s4');
    const close = closeDateFor(NOW).getTime();
    expect(closeDateFor(NOW).toISOString()).toBe('2026-11-30T00:00:00.000Z');
    for (const e of ap) {
      expect(e.dueAt.getTime()).toBeGreaterThanOrEqual(close - 4 * DAY);
      expect(e.dueAt.getTime()).toBeLessThanOrEqual(close + 10 * DAY);
    }
    // Log-normal amounts: a median in the thousands and a long tail above 50k.
    const values = ap.map((e) => Number(e.amount.value)).sort((x, y) => x - y);
    const median = values[Math.floor(values.length / 2)];
    expect(median).toBeGreaterThan(5_000);
    expect(median).toBeLessThan(15_000);
    expect(values.filter((v) => v > 50_000).length).toBeGreaterThan(10);
    // Listed suppliers (known criticality) take about the scenario's share.
    const listed = ap.filter((e) => e.party.tier !== undefined).length / ap.length;
    expect(listed).toBeGreaterThan(0.3);
    expect(listed).toBeLessThan(0.4);
  });
});

describe('every generated payload maps through the shipped mappings', () => {
  const driverKinds = Object.values(SIM_DRIVERS).flatMap((d) =>
    Object.keys(d.kinds).map((k) => [d.id, k] as const),
  );

  it('every kind of every driver is used by a scenario', () => {
    const used = new Set(
      Object.values(SCENARIOS).flatMap((s) => s.mix.map((e) => `${e.driver}/${e.kind}`)),
    );
    for (const [d, k] of driverKinds) expect(used).toContain(`${d}/${k}`);
  });

  it.each(['month-end-close', 'support-surge'])(
    '%s: valid canonical exceptions of the declared types, with the amount, party tier and due date drawn',
    async (scenario) => {
      const events = generate(scenario, 11, 300);
      for (const e of events) {
        const result = await mapEvent(e);
        const where = `${e.driver}/${e.kind} #${e.seq}`;
        expect({ where, error: result.mappingError, issues: result.issues }).toEqual({
          where,
          error: undefined,
          issues: [],
        });
        expect(result.exceptions.length).toBeGreaterThanOrEqual(1);
        const kind = SIM_DRIVERS[e.driver].kinds[e.kind];
        for (const x of result.exceptions as CanonicalException[]) {
          expect(kind.produces).toContain(x.type);
          if (kind.withoutAmount) expect(x.amount).toBeUndefined();
          else expect(x.amount).toEqual({ value: e.amount.value, currency: e.amount.currency });
          expect(x.priority.score).toBeGreaterThanOrEqual(0);
          // Parties the lookup tables list arrive with their real tier / criticality.
          if (e.party.tier && x.parties?.[0]?.id === e.party.id) {
            expect(x.parties[0].tier).toBe(e.party.tier);
          }
        }
        const [first] = result.exceptions as CanonicalException[];
        if (e.driver === 'sap-s4' || e.driver === 'netsuite') {
          expect(first.parties?.[0]).toMatchObject({ id: e.party.id });
          expect(first.dueAt?.slice(0, 10)).toBe(e.dueAt.toISOString().slice(0, 10));
        }
        // The support systems know the drawn customer under their own keys, with the same tier.
        const account = supportAccount(e.party);
        if (['zendesk', 'salesforce', 'servicenow'].includes(e.driver) && e.party.tier) {
          expect(account.tier).toBe(e.party.tier);
        }
        const accountParty = first.parties?.find(
          (p) => p.role === 'account' || p.role === 'customer',
        );
        if (e.driver === 'zendesk') {
          expect(accountParty).toMatchObject({ id: account.zendeskOrgId, name: account.name });
        } else if (e.driver === 'salesforce') {
          expect(accountParty).toMatchObject({ id: account.salesforceId, tier: account.tier });
          expect(first.signals?.renewalDate).toBeDefined();
        } else if (e.driver === 'servicenow' && e.kind === 'internal_incident') {
          // An employee's incident on a business service: no customer company.
          expect(accountParty).toBeUndefined();
          expect(Date.parse(first.dueAt ?? '')).not.toBeNaN();
        } else if (e.driver === 'servicenow') {
          expect(accountParty).toMatchObject({ id: account.servicenowCompany });
          expect(Date.parse(first.dueAt ?? '')).not.toBeNaN();
        }
      }
    },
  );

  it('every kind is exercised by those runs', () => {
    const seen = new Set([
      ...generate('month-end-close', 11, 300).map((e) => `${e.driver}/${e.kind}`),
      ...generate('support-surge', 11, 300).map((e) => `${e.driver}/${e.kind}`),
    ]);
    for (const [d, k] of driverKinds) expect(seen).toContain(`${d}/${k}`);
  });
});

describe('planScenario', () => {
  it('support-surge drives the webhook and the polled support systems', () => {
    const plan = planScenario(SCENARIOS['support-surge'], SIM_DRIVERS);
    expect(plan.drivers.sort()).toEqual(['salesforce', 'servicenow', 'stripe', 'zendesk']);
    expect(plan.skipped).toEqual([]);
  });

  it('leaves out entries whose driver is not registered, and says which', () => {
    const { stripe } = SIM_DRIVERS;
    const plan = planScenario(SCENARIOS['support-surge'], { stripe });
    expect(plan.drivers).toEqual(['stripe']);
    expect([...new Set(plan.skipped.map((e) => e.driver))].sort()).toEqual([
      'salesforce',
      'servicenow',
      'zendesk',
    ]);
  });

  it('restricts to --connectors, and refuses an unknown one or an empty selection', () => {
    const plan = planScenario(SCENARIOS['month-end-close'], SIM_DRIVERS, ['stripe']);
    expect(plan.drivers).toEqual(['stripe']);
    expect(() => planScenario(SCENARIOS['month-end-close'], SIM_DRIVERS, ['nope'])).toThrow(
      /no simulation driver "nope"; known: stripe, iso20022, sap-s4, netsuite, zendesk, salesforce, servicenow/,
    );
    expect(() => planScenario(SCENARIOS['support-surge'], SIM_DRIVERS, ['sap-s4'])).toThrow(
      /nothing to send/,
    );
  });
});

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['500ms', 500],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '0', '-5s', '5 minutes', '1d'])('refuses "%s"', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});
