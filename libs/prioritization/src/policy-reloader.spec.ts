import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicyFile } from './policy';
import { PolicyReloader, type PolicyReloadResult } from './policy-reloader';
import { PolicyScorer } from './scorer';

const ROOT = join(__dirname, '../../..');
const SHIPPED = readFileSync(join(ROOT, 'policies/priority.yaml'), 'utf8');
const DEBOUNCE_MS = 50;
const input = {
  domain: 'finance',
  type: 'payment_failure',
  amount: { value: '500.00', currency: 'USD' },
};
const now = new Date('2026-11-20T12:00:00Z');

/** A policies/ and models/ pair in a temp dir, like a deployment. */
function deployment(): { policyFile: string; modelsDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'exhub-policy-'));
  mkdirSync(join(dir, 'policies'));
  mkdirSync(join(dir, 'models'));
  copyFileSync(
    join(ROOT, 'models/priority-lr-2026.11.1.json'),
    join(dir, 'models/priority-lr-2026.11.1.json'),
  );
  const policyFile = join(dir, 'policies/priority.yaml');
  writeFileSync(policyFile, SHIPPED);
  return { policyFile, modelsDir: join(dir, 'models') };
}

async function until(pred: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a reload');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('PolicyReloader', () => {
  let reloader: PolicyReloader | undefined;
  afterEach(async () => reloader?.stop());

  it('swaps in a valid edit, refuses an invalid one and keeps scoring with the last good policy', async () => {
    const { policyFile } = deployment();
    const scorer = new PolicyScorer(loadPolicyFile(policyFile));
    const results: PolicyReloadResult[] = [];
    reloader = new PolicyReloader(scorer, policyFile, {
      debounceMs: DEBOUNCE_MS,
      onResult: (r) => results.push(r),
    });
    await reloader.start();
    const before = scorer.score(input, now);

    // A valid edit: payment failures get 7 points more.
    writeFileSync(
      policyFile,
      SHIPPED.replace(
        'rules:\n',
        'rules:\n  - id: hot-reload-test\n    description: Test rule.\n    when: [{ field: type, equals: payment_failure }]\n    then: { addPoints: 7 }\n',
      ),
    );
    await until(() => results.length === 1);
    expect(results[0]).toMatchObject({ ok: true, previousHash: before.model.version });
    const after = scorer.score(input, now);
    expect(after.score).toBeCloseTo(before.score + 7, 2);
    expect(after.model.version).toBe(results[0].ok && results[0].hash);

    // An invalid edit: refused, with the file and pointer; the edited policy keeps serving.
    writeFileSync(policyFile, SHIPPED.replace('p1: { minScore: 65', 'p1: { minScore: "high"'));
    await until(() => results.length === 2);
    expect(results[1]).toMatchObject({ ok: false, keptHash: after.model.version });
    expect(!results[1].ok && results[1].error).toMatch(/priority\.yaml \/tiers\/p1\/minScore/);
    expect(scorer.score(input, now)).toEqual(after);
  });

  it('refuses a policy whose model file is missing, naming it', () => {
    const { policyFile } = deployment();
    const scorer = new PolicyScorer(loadPolicyFile(policyFile));
    const hash = scorer.version;
    reloader = new PolicyReloader(scorer, policyFile, { onResult: () => undefined });
    writeFileSync(
      policyFile,
      SHIPPED.replace('mode: off', 'mode: shadow').replace('2026.11.1.json', '2099.1.1.json'),
    );
    const r = reloader.reload();
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/priority-lr-2099\.1\.1\.json/);
    expect(scorer.version).toBe(hash);
  });

  it('reloads when the model file the policy runs changes', async () => {
    const { policyFile, modelsDir } = deployment();
    writeFileSync(policyFile, SHIPPED.replace('mode: off', 'mode: shadow'));
    const scorer = new PolicyScorer(loadPolicyFile(policyFile));
    const results: PolicyReloadResult[] = [];
    reloader = new PolicyReloader(scorer, policyFile, {
      debounceMs: DEBOUNCE_MS,
      onResult: (r) => results.push(r),
    });
    await reloader.start();
    const file = join(modelsDir, 'priority-lr-2026.11.1.json');
    const model = JSON.parse(readFileSync(file, 'utf8')) as { intercept: number };
    writeFileSync(file, JSON.stringify({ ...model, intercept: model.intercept + 1 }));
    await until(() => results.length === 1);
    expect(results[0]).toMatchObject({ ok: true, model: 'priority-lr 2026.11.1' });
    expect(scorer.policy.model?.intercept).toBeCloseTo(model.intercept + 1, 6);
  });
});
