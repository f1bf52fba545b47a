import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CanonicalException } from '@exhub/canonical';
import { pointTotals } from '@exhub/prioritization';
import { generateHistory } from '@exhub/prioritization';
import { PriorityMonitorService } from '../../../apps/hub/src/priority/priority-monitor.service';
import { groupParentId } from '../../../apps/hub/src/pipeline/grouping';
import {
  apiKeyHeader,
  startHub,
  stripeHeaders,
  subscribe,
  take,
  type Harness,
} from './hub-harness';

const ROOT = join(__dirname, '../../..');
const SHIPPED = readFileSync(join(ROOT, 'policies/priority.yaml'), 'utf8');
const MODEL = 'models/priority-lr-2026.11.1.json';
const dispute = JSON.parse(
  readFileSync(join(ROOT, 'connectors/stripe/fixtures/charge.dispute.created.json'), 'utf8'),
) as { id: string; data: { object: { id: string; reason: string } } };

/**
 * The shipped policy with its model in shadow mode and a grouping that Stripe disputes fall
 * under: three of one reason.
 */
const GROUPED = SHIPPED.replace('mode: off', 'mode: shadow').replace(
  /^grouping:\n(?:[ #].*\n|\n)*?(?=^\S)/m,
  `grouping:
  threshold: 3
  keys:
    - id: disputes-by-reason
      description: Disputes of one reason on one Stripe account.
      when: [{ field: type, equals: chargeback_dispute }]
      key: [source.connector, signals.reasonCode]

`,
);

// Poll the store every second for the process metrics (default 30 s).
process.env.EXHUB_INSIGHTS_POLL_SECONDS = '1';

describe('prioritization at run time: root-cause parents, insights, policy hot reload', () => {
  let hub: Harness;
  let viewer: Record<string, string>;
  let policyFile: string;
  let queue: string;
  const published: CanonicalException[] = [];
  const key = `disputes-by-reason:stripe|${dispute.data.object.reason}`;

  beforeAll(async () => {
    expect(GROUPED).toContain('id: disputes-by-reason');
    const dir = mkdtempSync(join(tmpdir(), 'exhub-ops-'));
    mkdirSync(join(dir, 'policies'));
    mkdirSync(join(dir, 'models'));
    copyFileSync(join(ROOT, MODEL), join(dir, MODEL));
    policyFile = join(dir, 'policies/priority.yaml');
    writeFileSync(policyFile, GROUPED);
    hub = await startHub({
      EXHUB_POLICIES_DIR: join(dir, 'policies'),
      EXHUB_POLICIES_RELOAD_DEBOUNCE_MS: '50',
    });
    viewer = await apiKeyHeader(hub.rt, 'viewer');
    queue = await subscribe(hub.channel, hub.rt.topology.names.exceptions, 'finance.#');
    for (const n of [1, 2, 3]) {
      const event = structuredClone(dispute);
      event.id = `evt_exhub_group_${n}`;
      event.data.object.id = `du_exhub_group_${n}`;
      const body = Buffer.from(JSON.stringify(event));
      expect((await hub.post('/v1/ingest/stripe', body, stripeHeaders(body))).status).toBe(202);
      // One at a time, so each one sees the ones before it in the store.
      await untilStored(`du_exhub_group_${n}`);
    }
    // Related exceptions may be re-published (links); the latest version of each id counts.
    const messages = await take(hub.channel, queue, 100, 3_000);
    const latest = new Map<string, CanonicalException>();
    for (const m of messages) {
      const e = JSON.parse(m.content.toString('utf8')) as CanonicalException;
      if ((latest.get(e.id)?.version ?? 0) <= e.version) latest.set(e.id, e);
    }
    published.push(...latest.values());
  }, 60_000);
  afterAll(async () => hub?.close());

  /** Waits until the dispute with this Stripe id is in the store (published and confirmed). */
  async function untilStored(objectId: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const page = await hub.rt.store.worklist({ limit: 50 });
      if (page.items.some((e) => e.source.objectId === objectId)) return;
      if (Date.now() > deadline) throw new Error(`${objectId} was not stored`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('publishes a parent once three open disputes share a root cause; the third child carries its id', () => {
    const children = published
      .filter((e) => e.group?.role === 'child')
      .sort((a, b) => a.source.objectId.localeCompare(b.source.objectId));
    const parent = published.find((e) => e.group?.role === 'parent');
    expect(children.map((c) => c.group?.key)).toEqual([key, key, key]);
    expect(children.map((c) => c.group?.parentId)).toEqual([
      undefined,
      undefined,
      groupParentId(key),
    ]);
    expect(parent).toMatchObject({
      id: groupParentId(key),
      type: 'chargeback_dispute',
      status: 'open',
      group: { key, role: 'parent', size: 3 },
      source: { objectType: 'root_cause_group', objectId: key },
    });
    expect([...(parent?.links ?? [])].sort()).toEqual(children.map((c) => c.id).sort());
    // The parent's score is explained like any other: its factors add up to it.
    const t = pointTotals(parent!.priority);
    expect(t.factors).toBe(t.score);
    expect(parent!.priority.factors.find((f) => f.code === 'dependency_risk')?.detail).toMatch(
      /same root cause seen 2 times/,
    );
  });

  it('answers GET /v1/insights for a viewer with the group and its parent', async () => {
    expect((await hub.get('/v1/insights')).status).toBe(401);
    expect((await hub.get('/v1/insights?top=0', viewer)).status).toBe(400);
    expect((await hub.get('/v1/insights?color=red', viewer)).status).toBe(400);
    const res = await hub.get('/v1/insights', viewer);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.rootCauses).toMatchObject({
      open: 3,
      threshold: 3,
      byRule: [{ rule: 'disputes-by-reason', open: 3 }],
      top: [
        {
          key,
          rule: 'disputes-by-reason',
          open: 3,
          byType: { chargeback_dispute: 3 },
          parentId: groupParentId(key),
          hasParent: true,
        },
      ],
    });
  });

  it('observes time to triage and resolve when a person acts, in the metrics and the API', async () => {
    const child = published.find((e) => e.group?.role === 'child')!;
    await hub.rt.store.applyDecision(child.id, { action: 'resolve', actor: 'e2e', reason: 'won' });
    const pattern =
      /^exhub_time_to_resolve_seconds_count\{type="chargeback_dispute",tier="p[1-4]"\} 1$/m;
    const deadline = Date.now() + 10_000;
    let text = '';
    while (!pattern.test(text) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      text = (await hub.get('/metrics')).body;
    }
    expect(text).toMatch(pattern);
    expect(text).toMatch(
      /^exhub_time_to_triage_seconds_count\{type="chargeback_dispute",tier="p[1-4]"\} 1$/m,
    );
    expect(text).toMatch(
      /^exhub_root_cause_open_exceptions\{rule="disputes-by-reason",type="chargeback_dispute"\} 2$/m,
    );
    const body = JSON.parse((await hub.get('/v1/insights', viewer)).body);
    expect(body.timeToResolve).toEqual([
      expect.objectContaining({ type: 'chargeback_dispute', count: 1 }),
    ]);
    expect(body.window.statusChanges).toBe(1);
  });

  it('counts shadow predictions by policy tier and model tier', async () => {
    const text = (await hub.get('/metrics')).body;
    const counts = [
      ...text.matchAll(
        /^exhub_model_shadow_predictions_total\{model_version="2026\.11\.1",policy_tier="p[1-4]",model_tier="p[1-4]"\} (\d+)$/gm,
      ),
    ].map((m) => Number(m[1]));
    // Three disputes and their parent at least (re-scores of related exceptions count too).
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4);
  });

  it('reports the PSI of live scores against the training window once enough were scored', async () => {
    const monitor = hub.app.get(PriorityMonitorService);
    monitor.refreshPsi();
    expect((await hub.get('/metrics')).body).not.toMatch(/^exhub_score_psi\{/m);
    // Scores like the training history's (another seed of the same generator): no drift.
    for (const r of generateHistory(400, 2, hub.rt.scorer.policy))
      hub.rt.scorer.score(r.exception, new Date(r.exception.detectedAt));
    monitor.refreshPsi();
    const text = (await hub.get('/metrics')).body;
    const psi = (score: string) =>
      Number(
        new RegExp(
          `^exhub_score_psi\\{model_version="2026\\.11\\.1",score="${score}"\\} (\\S+)$`,
          'm',
        ).exec(text)?.[1],
      );
    expect(psi('policy')).toBeGreaterThanOrEqual(0);
    expect(psi('policy')).toBeLessThan(0.25);
    expect(psi('model')).toBeLessThan(0.25);
  });

  it('hot-reloads a valid policy edit and refuses an invalid one, keeping the last good policy', async () => {
    const metric = async (result: string) =>
      Number(
        new RegExp(`^exhub_policy_reloads_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(
          (await hub.get('/metrics')).body,
        )?.[1],
      );
    const until = async (pred: () => Promise<boolean>) => {
      const deadline = Date.now() + 10_000;
      while (!(await pred())) {
        if (Date.now() > deadline) throw new Error('no reload seen');
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const before = hub.rt.scorer.version;
    writeFileSync(policyFile, GROUPED.replace('threshold: 3', 'threshold: 4'));
    await until(async () => (await metric('success')) === 1);
    expect(hub.rt.scorer.version).not.toBe(before);
    expect(hub.rt.scorer.policy.policy.grouping?.threshold).toBe(4);
    const good = hub.rt.scorer.version;

    writeFileSync(policyFile, GROUPED.replace('threshold: 3', 'threshold: one'));
    await until(async () => (await metric('refused')) === 1);
    expect(hub.rt.scorer.version).toBe(good);
    expect(hub.rt.scorer.policy.policy.grouping?.threshold).toBe(4);
  });
});
