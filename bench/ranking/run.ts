/**
 * `npm run bench:ranking`: the ranking evaluation, end to end. For each scenario of
 * scenarios.ts it starts the simulators of the polled sources (SAP, NetSuite, Salesforce,
 * ServiceNow), a hub in this process on its own topology prefix (real RabbitMQ, a fresh SQLite
 * store), sends the scenario's events the way the sources do (signed webhooks, records added to
 * the simulators), reads the ranked worklist back through `GET /v1/exceptions`, and compares it
 * with the graded truth (truth.ts): NDCG@10, NDCG@20, pairwise accuracy and the must-rank-above
 * pairs, beside arrival order (FIFO) and an impact × urgency matrix.
 *
 * The hub runs as a deployment of that scenario's world would: its close calendar names the
 * scenario's period end (`closeCalendar.periodEnds`, the policy otherwise as shipped). The lookup
 * tables are the shipped ones; BENCH_RANKING_TABLES=master adds the master data such a deployment
 * keeps (business-processes rows for its internal business services, keyed by the sys_id
 * ServiceNow sends), to compare "with master data" and "as shipped".
 *
 * BENCH_RANKING_SCENARIOS=close-and-surge limits the run; BENCH_RANKING_JSON=<file> writes the
 * figures and every graded exception. Needs RabbitMQ (AMQP_URL, default
 * amqp://guest:guest@localhost:5672).
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import * as amqp from 'amqplib';
import pino from 'pino';
import type { CanonicalException } from '@exhub/canonical';
import { Secret, loadEnvSettings } from '@exhub/config';
import { parseXml } from '@exhub/connector-sdk';
import { MappingRegistry } from '@exhub/mapping';
import { deleteTopology } from '@exhub/messaging';
import { scoringInputOf, type ScoringInput } from '@exhub/prioritization';
import {
  SapS4Simulator,
  SIMULATOR_PASSWORD,
  SIMULATOR_USER,
} from '../../connectors/sap-s4/testing';
import { NetSuiteSimulator, SIMULATOR_CREDENTIALS } from '../../connectors/netsuite/testing';
import {
  SalesforceSimulator,
  SIMULATOR_CLIENT_ID as SF_CLIENT_ID,
  SIMULATOR_CLIENT_SECRET as SF_CLIENT_SECRET,
} from '../../connectors/salesforce/testing';
import {
  ServiceNowSimulator,
  SIMULATOR_PASSWORD as SN_PASSWORD,
  SIMULATOR_USER as SN_USER,
} from '../../connectors/servicenow/testing';
import { createHubApp } from '../../apps/hub/src/create-app';
import { createRuntime } from '../../apps/hub/src/hub-runtime';
import { dryRun } from '@exhub/pipeline';
import { runSimulation } from '../../apps/cli/src/simulate/engine';
import { fetchWholeWorklist } from '../../apps/cli/src/simulate/hub-client';
import type { PlannedEvent } from '../../apps/cli/src/simulate/plan';
import { loadReferenceData } from '../../apps/cli/src/simulate/reference-data';
import { INTERNAL_SERVICES } from '../../apps/cli/src/simulate/drivers/servicenow.driver';
import { RANKING_SCENARIOS, type RankingScenario } from './scenarios';
import { factsOf, gradeOf, matrixPriority } from './truth';
import { figures, pairsOf, wrongPairs, type Figures, type Item } from './figures';
import { MS_PER_DAY } from '@exhub/core';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
const RATE = 20;
/** The API's page size; the bench reads page after page up to WORKLIST_MAX. */
const WORKLIST_PAGE = 200;
const WORKLIST_MAX = 1_000;
const ARRIVAL_TIMEOUT_MS = 60_000;
/** The worklist counts as settled once it has not changed for this long (re-scores included). */
const SETTLE_MS = 4_000;

export interface ScenarioResult {
  scenario: string;
  seed: number;
  /** The scenario's period end (the hub's calendar and the truth's close). */
  closeDate: string;
  tables: 'shipped' | 'master';
  events: number;
  exceptions: number;
  grades: Record<number, number>;
  pairs: number;
  mustPairs: number;
  degraded: number;
  rankers: Record<'hub' | 'matrix' | 'fifo', Figures>;
  top: string[];
  /** Must-rank-above pairs the hub inverts, grouped by the two kinds, most frequent first. */
  wrong: string[];
  /** Every graded exception in the hub's order (BENCH_RANKING_JSON): to list each wrong pair. */
  items: Item[];
}

/** The scenario's period end (the close the truth grades against), UTC midnight. */
function closeDateOf(s: RankingScenario): Date {
  const today = new Date();
  return new Date(
    Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) +
      s.closeInDays * MS_PER_DAY,
  );
}

/**
 * The deployment's configuration in `dir`: the shipped policy with the scenario's period end as
 * its close calendar, and the shipped mappings and lookup tables, plus master data when asked.
 */
function deployment(dir: string, closeDate: Date, masterData: boolean) {
  const base = loadEnvSettings(process.env);
  const policiesDir = join(dir, 'policies');
  const doc = parseDocument(readFileSync(join(base.policiesDir, 'priority.yaml'), 'utf8'));
  doc.setIn(
    ['closeCalendar', 'periodEnds'],
    [{ date: closeDate.toISOString().slice(0, 10), label: 'scenario period end' }],
  );
  const modelFile = doc.getIn(['model', 'file']);
  if (typeof modelFile === 'string')
    doc.setIn(['model', 'file'], resolve(base.policiesDir, modelFile));
  cpSync(base.policiesDir, policiesDir, { recursive: true });
  writeFileSync(join(policiesDir, 'priority.yaml'), doc.toString());
  if (!masterData) return { EXHUB_POLICIES_DIR: policiesDir };
  const mappingsDir = join(dir, 'mappings');
  cpSync(base.mappingsDir, mappingsDir, { recursive: true });
  const rows = INTERNAL_SERVICES.filter((x) => x.process).map(
    (x) => `service:${x.sysId},${x.process},${x.closeCritical === true},${x.name}\n`,
  );
  appendFileSync(join(mappingsDir, 'lookups', 'business-processes.csv'), rows.join(''));
  return { EXHUB_POLICIES_DIR: policiesDir, EXHUB_MAPPINGS_DIR: mappingsDir };
}

async function runScenario(s: RankingScenario): Promise<ScenarioResult> {
  const secrets = {
    stripe: `whsec_${randomBytes(16).toString('hex')}`,
    iso: randomBytes(24).toString('hex'),
    zendesk: randomBytes(24).toString('hex'),
  };
  const sap = await SapS4Simulator.start({ invoices: [] });
  const netsuite = await NetSuiteSimulator.start({ bills: [] });
  const salesforce = await SalesforceSimulator.start({ seededFrom: '2020-01-01T00:00:00.000Z' });
  const servicenow = await ServiceNowSimulator.start({ incidents: [], taskSlas: [] });
  const tmp = mkdtempSync(join(tmpdir(), 'exhub-bench-ranking-'));
  process.env.EXHUB_CURSOR_FILE = join(tmp, 'cursors.json');
  const closeDate = closeDateOf(s);
  const env = loadEnvSettings({
    ...process.env,
    ...deployment(tmp, closeDate, process.env.BENCH_RANKING_TABLES === 'master'),
    AMQP_URL,
    EXHUB_TOPOLOGY_PREFIX: `bench${randomBytes(4).toString('hex')}`,
    EXHUB_STORE_URL: `sqlite:${join(tmp, 'exhub.db')}`,
  });
  const poll = { startFrom: '2026-01-01', pollIntervalSeconds: 1 };
  const webhook = (value: string) => ({
    secrets: [new Secret(value, 'bench')],
    toleranceSeconds: 300,
  });
  const rt = await createRuntime(env, 'bench', {
    logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }),
    connectors: [
      { id: 'stripe', type: 'stripe', enabled: true, settings: webhook(secrets.stripe) },
      { id: 'iso20022', type: 'iso20022', enabled: true, settings: webhook(secrets.iso) },
      { id: 'zendesk', type: 'zendesk', enabled: true, settings: webhook(secrets.zendesk) },
      {
        id: 'sap-s4',
        type: 'sap-s4',
        enabled: true,
        settings: {
          baseUrl: sap.baseUrl,
          username: SIMULATOR_USER,
          password: SIMULATOR_PASSWORD,
          ...poll,
        },
      },
      {
        id: 'netsuite',
        type: 'netsuite',
        enabled: true,
        settings: { endpoint: netsuite.endpoint, ...SIMULATOR_CREDENTIALS, ...poll },
      },
      {
        id: 'salesforce',
        type: 'salesforce',
        enabled: true,
        settings: {
          loginUrl: salesforce.url,
          clientId: SF_CLIENT_ID,
          clientSecret: SF_CLIENT_SECRET,
          accountExternalIdField: 'Zendesk_Organization_Id__c',
          accountKeys: { stripe: 'Stripe_Customer_Id__c', servicenow: 'ServiceNow_Company__c' },
          ...poll,
        },
      },
      {
        id: 'servicenow',
        type: 'servicenow',
        enabled: true,
        settings: {
          instanceUrl: servicenow.instanceUrl,
          auth: 'basic',
          username: SN_USER,
          password: SN_PASSWORD,
          fetchTaskSla: true,
          fetchReferenceNames: true,
          ...poll,
        },
      },
    ],
  });
  // As a deployment with a CRM configures it: support exceptions get their account from Salesforce.
  rt.config.enrichment = { ...rt.config.enrichment, account: 'salesforce' };
  // Every scorer input, keyed by the exception's own fields, so that rescore.ts can score the
  // same exceptions with the same context under another policy: the hub's last score with its
  // context wins (the bench's own dry run below scores without context).
  const inputs = new Map<string, { input: ScoringInput; at: string }>();
  const score = rt.scorer.score.bind(rt.scorer);
  rt.scorer.score = (input, now) => {
    const key = JSON.stringify({ ...input, context: undefined });
    if (input.context !== undefined || !inputs.has(key))
      inputs.set(key, { input, at: now.toISOString() });
    return score(input, now);
  };
  const app = await createHubApp(rt);
  try {
    await app.listen(0, '127.0.0.1');
    const hubUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const apiKey = (await rt.store.createApiKey('viewer', 'bench-ranking')).key;
    const mappings = await MappingRegistry.loadDir(rt.env.mappingsDir, {
      limits: { expressionTimeoutMs: 5_000, mappingTimeoutMs: 10_000 },
    });
    const sent: { event: PlannedEvent; at: Date }[] = [];
    const result = await runSimulation({
      scenario: s,
      refs: await loadReferenceData(rt.env.mappingsDir),
      seed: s.seed,
      rate: RATE,
      durationMs: (s.events / RATE) * 1000,
      hubUrl,
      closeDate,
      env: {
        STRIPE_WEBHOOK_SECRET: secrets.stripe,
        ISO20022_WEBHOOK_SECRET: secrets.iso,
        ZENDESK_WEBHOOK_SECRET: secrets.zendesk,
        SAP_S4_SIM_URL: `http://127.0.0.1:${new URL(sap.baseUrl).port}`,
        NETSUITE_SIM_URL: `http://127.0.0.1:${new URL(netsuite.endpoint).port}`,
        SALESFORCE_SIM_URL: salesforce.url,
        SERVICENOW_SIM_URL: servicenow.instanceUrl,
      },
      onDelivery: (event) => sent.push({ event, at: new Date() }),
    });
    const refused = Object.entries(result.stats.refusals);
    if (refused.length) throw new Error(`${s.name}: events refused: ${JSON.stringify(refused)}`);

    // Which exceptions each event must raise: the hub's own mappings, dry run.
    const expected = new Map<string, { event: PlannedEvent; at: Date; type: string }>();
    for (const { event, at } of sent) {
      const payload = event.contentType.includes('xml')
        ? parseXml(event.body)
        : JSON.parse(event.body);
      const dry = await dryRun(
        { registry: mappings, scorer: rt.scorer, connectorVersion: 'bench' },
        { system: event.system, objectType: event.objectType },
        payload,
        { connector: event.driver },
      );
      for (const x of dry.exceptions) expected.set(x.id, { event, at, type: x.type });
    }
    if (expected.size > WORKLIST_MAX)
      throw new Error(
        `${s.name}: ${expected.size} exceptions exceed the ${WORKLIST_MAX} the bench reads back`,
      );

    let items: CanonicalException[] = [];
    let fingerprint = '';
    let stableSince = Date.now();
    const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
    for (;;) {
      items = await fetchWholeWorklist({
        hubUrl,
        apiKey,
        limit: WORKLIST_PAGE,
        maxItems: WORKLIST_MAX,
        timeoutMs: 10_000,
      });
      const all = [...expected.keys()].every((id) => items.some((x) => x.id === id));
      const now = items.map((x) => `${x.id}:${x.priority.score}`).join(',');
      if (now !== fingerprint) [fingerprint, stableSince] = [now, Date.now()];
      if (all && Date.now() - stableSince >= SETTLE_MS) break;
      if (Date.now() > deadline) {
        const missing = [...expected.keys()].filter((id) => !items.some((x) => x.id === id));
        throw new Error(
          `${s.name}: ${missing.length} expected exceptions never reached the worklist`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }

    const graded: Item[] = [];
    for (const x of items) {
      const truth = expected.get(x.id);
      if (!truth) continue; // a root-cause parent: no event raised it, the truth grades none
      const facts = factsOf(truth.event, truth.at, closeDate);
      graded.push({
        id: x.id,
        type: x.type,
        grade: gradeOf(facts, x.type, closeDate, truth.at),
        seq: truth.event.seq,
        matrix: matrixPriority(truth.event, facts),
        score: x.priority.score,
        degraded: x.priority.degraded === true,
        label: `${truth.event.driver}/${truth.event.kind}`,
        factors: x.priority.factors.map((f) => `${f.code} ${f.points}`).join(', '),
        dimensions: x.priority.dimensions,
        rules: x.priority.rulesFired,
        facts,
        scoring: inputs.get(JSON.stringify(scoringInputOf(x))),
      });
    }
    const { pairs, must } = pairsOf(graded);
    const bySeq = (a: Item, b: Item) => a.seq - b.seq;
    const hub = [...graded].sort((a, b) => b.score - a.score || bySeq(a, b));
    const fifo = [...graded].sort(bySeq);
    const matrix = [...graded].sort((a, b) => a.matrix - b.matrix || bySeq(a, b));
    const grades: Record<number, number> = {};
    for (const i of graded) grades[i.grade] = (grades[i.grade] ?? 0) + 1;
    return {
      scenario: s.name,
      seed: s.seed,
      closeDate: closeDate.toISOString().slice(0, 10),
      tables: process.env.BENCH_RANKING_TABLES === 'master' ? 'master' : 'shipped',
      events: sent.length,
      exceptions: graded.length,
      grades,
      pairs: pairs.length,
      mustPairs: must.length,
      degraded: graded.filter((i) => i.degraded).length,
      rankers: {
        hub: figures(hub, pairs, must),
        matrix: figures(matrix, pairs, must),
        fifo: figures(fifo, pairs, must),
      },
      wrong: wrongPairs(graded, must),
      items: hub,
      top: hub
        .slice(0, 20)
        .map(
          (i) =>
            `${i.score.toFixed(1).padStart(5)} g${i.grade}${i.degraded ? ' degraded' : ''} ${i.label} ${i.type} [${i.factors}]`,
        ),
    };
  } finally {
    await app.close();
    const client = await amqp.connect(AMQP_URL);
    await deleteTopology(await client.createChannel(), rt.topology);
    await client.close().catch(() => undefined);
    await Promise.all([sap.close(), netsuite.close(), salesforce.close(), servicenow.close()]);
    delete process.env.EXHUB_CURSOR_FILE;
    rmSync(tmp, { recursive: true, force: true });
  }
}

const f3 = (x: number) => x.toFixed(3);

function report(r: ScenarioResult): string {
  const rows = (['hub', 'matrix', 'fifo'] as const).map((k) => {
    const f = r.rankers[k];
    const name = { hub: 'hub', matrix: 'impact × urgency matrix', fifo: 'arrival order (FIFO)' }[k];
    return `| ${name} | ${f3(f.ndcg10)} | ${f3(f.ndcg20)} | ${f3(f.pairwise)} | ${f3(f.mustAbove)} |`;
  });
  return [
    `## ${r.scenario} (seed ${r.seed}, tables ${r.tables}): ${r.events} events, ${r.exceptions} exceptions, grades ${JSON.stringify(r.grades)}, ${r.pairs} ordered pairs, ${r.mustPairs} must-rank-above, ${r.degraded} degraded`,
    '',
    '| ranker | NDCG@10 | NDCG@20 | pairwise accuracy | must-rank-above |',
    '|---|---:|---:|---:|---:|',
    ...rows,
    '',
    'hub top 20 (score, truth grade, source/kind, type):',
    ...r.top.map((t) => `  ${t}`),
    '',
    'most frequent wrong must-rank-above pairs of the hub (higher truth grade at or below a lower one):',
    ...r.wrong.map((t) => `  ${t}`),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const only = process.env.BENCH_RANKING_SCENARIOS?.split(',');
  const results: ScenarioResult[] = [];
  for (const s of RANKING_SCENARIOS.filter((x) => !only || only.includes(x.name))) {
    const r = await runScenario(s);
    results.push(r);
    process.stdout.write(`${report(r)}\n`);
  }
  if (process.env.BENCH_RANKING_JSON)
    writeFileSync(process.env.BENCH_RANKING_JSON, `${JSON.stringify(results, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench:ranking failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
