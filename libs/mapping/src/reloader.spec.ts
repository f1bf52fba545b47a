import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MappingRegistry } from './registry';
import { MappingReloader, type ReloadResult } from './reloader';

const SHIPPED = resolve(__dirname, '../../../mappings');
const DISPUTE = 'stripe/dispute.mapping.yaml';
const DEBOUNCE_MS = 50;
const WAIT_MS = 5000;
const payload = JSON.parse(
  readFileSync(
    resolve(__dirname, '../../../connectors/stripe/fixtures/charge.dispute.created.json'),
    'utf8',
  ),
);

describe('MappingReloader (hot reload on a temp copy of mappings/)', () => {
  let dir: string;
  let registry: MappingRegistry;
  let reloader: MappingReloader;
  let results: ReloadResult[];
  let waiters: ((r: ReloadResult) => void)[];

  const nextResult = () =>
    new Promise<ReloadResult>((resolveResult, reject) => {
      const timer = setTimeout(() => reject(new Error('no reload within 5 s')), WAIT_MS);
      waiters.push((r) => {
        clearTimeout(timer);
        resolveResult(r);
      });
    });
  const title = async () => (await registry.map('stripe', 'event', payload))[0].fields.title;
  const edit = (from: string, to: string) => {
    const file = join(dir, DISPUTE);
    writeFileSync(file, readFileSync(file, 'utf8').replace(from, to));
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-mappings-'));
    cpSync(SHIPPED, dir, { recursive: true });
    registry = await MappingRegistry.loadDir(dir);
    results = [];
    waiters = [];
    reloader = new MappingReloader(registry, dir, {
      debounceMs: DEBOUNCE_MS,
      onResult: (r) => {
        results.push(r);
        waiters.shift()?.(r);
      },
    });
    await reloader.start();
  });

  afterEach(async () => {
    await reloader.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a broken edit (the last good version keeps serving) and swaps in a fixed one', async () => {
    const before = registry.get('stripe.charge-dispute')!.version;
    const shipped = registry.list().length; // every connector's mappings, not only Stripe's
    expect(await title()).toBe('Chargeback dispute: product not received, USD 22.00');

    let result = nextResult();
    edit("'Chargeback dispute: '", "'Chargeback dispute: ' &");
    const refused = await result;
    expect(refused.ok).toBe(false);
    expect(refused.ok === false && refused.problems[0]).toMatchObject({
      file: expect.stringContaining('dispute.mapping.yaml'),
      path: 'fields.title',
    });
    expect(registry.get('stripe.charge-dispute')!.version).toBe(before);
    expect(await title()).toBe('Chargeback dispute: product not received, USD 22.00');

    result = nextResult();
    edit("'Chargeback dispute: ' &", "'Chargeback: '");
    const swapped = await result;
    expect(swapped).toMatchObject({ ok: true, mappings: shipped });
    expect(registry.get('stripe.charge-dispute')!.version).not.toBe(before);
    expect(await title()).toBe('Chargeback: product not received, USD 22.00');
  });

  it('reloads lookup table edits, and refuses a table a mapping needs being deleted', async () => {
    let result = nextResult();
    const csv = join(dir, 'lookups/stripe-dispute-reasons.csv');
    writeFileSync(
      csv,
      readFileSync(csv, 'utf8').replace(
        'the customer says they did not receive what they paid for',
        'nothing arrived',
      ),
    );
    expect((await result).ok).toBe(true);
    const [mapped] = await registry.map('stripe', 'event', payload);
    expect(mapped.fields.summary).toContain('(nothing arrived)');

    result = nextResult();
    rmSync(csv);
    const refused = await result;
    expect(refused.ok === false && refused.problems.map((p) => p.message).join()).toContain(
      "unknown lookup table 'stripe-dispute-reasons'",
    );
    expect((await registry.map('stripe', 'event', payload))[0].fields.summary).toContain(
      '(nothing arrived)',
    );
  });

  it('debounces a burst of writes into one reload', async () => {
    const result = nextResult();
    for (let i = 0; i < 5; i += 1) edit("'Chargeback dispute: '", "'Chargeback dispute: '");
    await result;
    await new Promise((r) => setTimeout(r, DEBOUNCE_MS * 4));
    expect(results).toHaveLength(1);
  });
});
