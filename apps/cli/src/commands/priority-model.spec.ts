import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerModelCommands } from './model';
import { registerPriorityCommands } from './priority';

const ROOT = join(__dirname, '../../../..');
const POLICY = join(ROOT, 'policies/priority.yaml');
const EXAMPLES = join(ROOT, 'libs/prioritization/examples');

/** Runs `exhub <args>` in-process and returns what it printed. */
async function exhub(...args: string[]): Promise<string> {
  const program = new Command('exhub').exitOverride();
  registerPriorityCommands(program);
  registerModelCommands(program);
  let printed = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'exhub', ...args]);
  } finally {
    spy.mockRestore();
  }
  return printed;
}

describe('exhub priority explain', () => {
  const file = join(EXAMPLES, 'strategic-supplier-tax-mismatch.json');
  const now = ['--now', '2026-11-20T12:00:00Z', '--policy', POLICY];

  it('prints tier, route, rules and factors that add up to the score', async () => {
    const text = await exhub('priority', 'explain', file, ...now);
    expect(text).toMatch(
      /^finance\.invoice_mismatch: score (\d+\.\d\d), tier p1 \(SLA target PT4H\), route finance\.ops-urgent \(AP\/AR leads\)/,
    );
    expect(text).toContain('rules fired: strategic-supplier-due-soon');
    expect(text).toContain('recurrenceCount        3');
    const score = Number(/score (\d+\.\d\d)/.exec(text)?.[1]);
    const points = [...text.matchAll(/^ +([+-]\d+\.\d\d) {2}/gm)].map((m) =>
      Math.round(Number(m[1]) * 100),
    );
    expect(points.reduce((a, b) => a + b, 0)).toBe(Math.round(score * 100));
  });

  it('prints JSON with --json and, with --model-mode shadow, the shadow model note', async () => {
    const out = JSON.parse(
      await exhub(
        'priority',
        'explain',
        join(EXAMPLES, 'amex-dispute-under-materiality.json'),
        ...now,
        '--model-mode',
        'shadow',
        '--json',
      ),
    );
    expect(out.priority.route).toBe('finance.disputes');
    expect(out.features.materialityMultiple).toBeCloseTo(0.82, 6);
    expect(out.shadow).toMatchObject({ model: 'priority-lr', version: '2026.11.1' });
    expect(out.priority.factors.some((f: { code: string }) => f.code === 'model')).toBe(false);
  });

  it('with --model-mode active shows the model as a factor, the points still adding up', async () => {
    const file = join(EXAMPLES, 'amex-dispute-under-materiality.json');
    const out = JSON.parse(
      await exhub('priority', 'explain', file, ...now, '--model-mode', 'active', '--json'),
    );
    const model = out.priority.factors.find((f: { code: string }) => f.code === 'model');
    expect(model.points).toBeGreaterThan(0);
    expect(model.detail).toContain('signal:cardBrand=amex');
    const sum = out.priority.factors.reduce(
      (s: number, f: { points: number }) => s + Math.round(f.points * 100),
      0,
    );
    expect(sum).toBe(Math.round(out.priority.score * 100));
  });

  it('names the file when it is not an exception', async () => {
    await expect(exhub('priority', 'explain', POLICY)).rejects.toThrow(/priority\.yaml: /);
  });
});

describe('exhub model', () => {
  it('generates a history, trains a versioned model file and evaluates it against the policy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exhub-model-'));
    const data = join(dir, 'h.jsonl');
    expect(
      await exhub(
        'model',
        'generate-history',
        '--n',
        '400',
        '--seed',
        '3',
        '--out',
        data,
        '--policy',
        POLICY,
      ),
    ).toBe(`wrote 400 outcome records to ${data} (seed 3)\n`);
    const trained = await exhub(
      'model',
      'train',
      '--data',
      data,
      '--version',
      't1',
      '--out-dir',
      dir,
      '--steps',
      '30',
      '--policy',
      POLICY,
    );
    expect(trained).toContain(`wrote ${join(dir, 'priority-lr-t1.json')}`);
    const model = JSON.parse(readFileSync(join(dir, 'priority-lr-t1.json'), 'utf8'));
    expect(model).toMatchObject({
      kind: 'logistic-regression',
      version: 't1',
      trainingWindow: { records: 280 },
    });
    const evaluated = await exhub(
      'model',
      'evaluate',
      '--data',
      data,
      '--model',
      join(dir, 'priority-lr-t1.json'),
      '--policy',
      POLICY,
    );
    expect(evaluated).toMatch(/held-out records: 120 \(\d+ positive/);
    expect(evaluated).toMatch(
      /model priority-lr +0\.\d{4} {2}0\.\d{4}\n {2}policy only +0\.\d{4} {2}0\.\d{4}/,
    );
    expect(evaluated).toContain('calibration (reliability, 10 bins):');
    await expect(
      exhub(
        'model',
        'train',
        '--data',
        data,
        '--version',
        't1',
        '--out-dir',
        dir,
        '--policy',
        POLICY,
      ),
    ).rejects.toThrow(/priority-lr-t1\.json exists; choose another --version or pass --force/);
  });
});
