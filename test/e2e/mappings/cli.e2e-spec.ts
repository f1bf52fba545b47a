import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The built CLI (scripts/test.sh builds before the tests; locally: npm run build). */
const ROOT = join(__dirname, '../../..');
const CLI = join(ROOT, 'dist/apps/cli/src/main.js');
const CLI_TIMEOUT_MS = 30_000;

/** Shipped files ending in `suffix` under mappings/ (every connector's, not only Stripe's). */
function shipped(suffix: string): number {
  return readdirSync(join(ROOT, 'mappings'), { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith(suffix),
  ).length;
}

function exhub(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: CLI_TIMEOUT_MS,
    env: { ...process.env, EXHUB_MAPPINGS_DIR: '', NODE_OPTIONS: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('exhub mappings test | lint | try (the built CLI)', () => {
  let root: string;
  let dir: string;

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    // A copy of mappings/ beside links to connectors/ and test/corpus/ (the real samples), so
    // the cases' fixture paths still resolve.
    root = mkdtempSync(join(tmpdir(), 'exhub-cli-'));
    dir = join(root, 'mappings');
    cpSync(join(ROOT, 'mappings'), dir, { recursive: true });
    symlinkSync(join(ROOT, 'connectors'), join(root, 'connectors'));
    mkdirSync(join(root, 'test'));
    symlinkSync(join(ROOT, 'test/corpus'), join(root, 'test/corpus'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('passes every shipped golden case and lints the shipped mappings clean', () => {
    const test = exhub('mappings', 'test');
    const cases = shipped('.cases.yaml');
    expect(test.stdout).toMatch(
      new RegExp(`^\\d+ passed, 0 failed \\(${cases} cases file\\(s\\)\\)$`, 'm'),
    );
    expect(test.code).toBe(0);
    const lint = exhub('mappings', 'lint');
    expect(lint.stdout).toContain(
      `ok: ${shipped('.mapping.yaml')} mapping(s), ${shipped('.csv')} lookup table(s), ${cases} cases file(s)`,
    );
    expect(lint.code).toBe(0);
  });

  it('fails a changed mapping with a readable difference', () => {
    const file = join(dir, 'stripe/dispute.mapping.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace("'Chargeback dispute: '", "'Dispute: '"));
    try {
      const r = exhub('mappings', 'test', dir);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/FAIL .*dispute\.cases\.yaml:\d+:\d+ stripe\.charge-dispute/);
      expect(r.stdout).toContain(
        '[0].title: expected "Chargeback dispute: product not received, USD 22.00", got "Dispute: product not received, USD 22.00"',
      );
      expect(r.stdout).toMatch(/^\d+ passed, 1 failed/m);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('lints before anything runs: syntax errors, unknown lookups, unknown fields, mappings without cases', () => {
    const file = join(dir, 'stripe/charge.mapping.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      original
        .replace(
          "$lookup('stripe-decline-codes', $c.outcome.reason",
          "$lookup('stripe-decline-code', $c.outcome.reason",
        )
        .replace('  signals.reasonCode:', '  signal.reasonCode:'),
    );
    writeFileSync(
      join(dir, 'stripe/refund.mapping.yaml'),
      "id: stripe.refund\ndescription: x\nsource: { system: stripe, objectType: event }\nfields:\n  title: { expr: 'id &', description: x }\n",
    );
    try {
      const r = exhub('mappings', 'lint', dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /charge\.mapping\.yaml:\d+:\d+ fields\.summary: unknown lookup table 'stripe-decline-code'.* did you mean 'stripe-decline-codes'\?/,
      );
      expect(r.stderr).toMatch(
        /charge\.mapping\.yaml:\d+:\d+ fields\.signal\.reasonCode: is not a canonical field/,
      );
      expect(r.stderr).toMatch(/refund\.mapping\.yaml:5:\d+ fields\.title: JSONata syntax error/);
      writeFileSync(file, original);
      writeFileSync(
        join(dir, 'stripe/refund.mapping.yaml'),
        'id: stripe.refund\ndescription: x\nsource: { system: stripe, objectType: event }\nfields:\n  title: { expr: id, description: x }\n',
      );
      const untested = exhub('mappings', 'lint', dir);
      expect(untested.code).toBe(1);
      expect(untested.stderr).toMatch(
        /refund\.mapping\.yaml:1:\d+ id: mapping stripe\.refund has no golden cases/,
      );
    } finally {
      writeFileSync(file, original);
      rmSync(join(dir, 'stripe/refund.mapping.yaml'), { force: true });
    }
  });

  it('tries a payload: prints the assembled canonical exception, or the error with file:line and pointer', () => {
    const ok = exhub(
      'mappings',
      'try',
      'stripe.charge-dispute',
      'connectors/stripe/fixtures/charge.dispute.created.json',
    );
    expect(ok.code).toBe(0);
    const printed = JSON.parse(ok.stdout) as { exceptions: Record<string, unknown>[] };
    expect(printed.exceptions[0]).toMatchObject({
      schemaVersion: '1',
      type: 'chargeback_dispute',
      priority: { tier: expect.stringMatching(/^p[1-4]$/) },
      lineage: { mapping: { id: 'stripe.charge-dispute' } },
    });

    // A bank file as it arrives: XML, parsed exactly as the pipeline parses it.
    const bank = exhub(
      'mappings',
      'try',
      'iso20022.pain002-rejected-transaction',
      'connectors/iso20022/fixtures/pain.002-partially-accepted.xml',
    );
    expect(bank.code).toBe(0);
    const rejected = JSON.parse(bank.stdout) as {
      exceptions: { signals: { reasonCode: string } }[];
    };
    expect(rejected.exceptions.map((e) => e.signals.reasonCode).sort()).toEqual(['AC04', 'AM04']);

    const payload = join(dir, 'bad-currency.json');
    writeFileSync(
      payload,
      JSON.stringify({
        id: 'evt_x',
        type: 'charge.dispute.created',
        data: { object: { id: 'du_x', object: 'dispute', amount: 100, currency: 'us' } },
      }),
    );
    const bad = exhub('mappings', 'try', 'mappings/stripe/dispute.mapping.yaml', payload);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /mappings\/stripe\/dispute\.mapping\.yaml:\d+:\d+\): \$money: currency "us"/,
    );
    expect(bad.stderr).toContain('/payload/data/object/currency (helper)');
  });
});
