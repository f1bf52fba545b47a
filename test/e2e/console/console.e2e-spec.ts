/**
 * The web console at /console in Debian's chromium against a real hub and RabbitMQ: the journeys
 * of issue 19 (viewer worklist, operator decision, steward playground, dead-letter replay, a
 * refused action), rendering of hostile text, strict CSP, axe-core on every page, the first-load
 * JavaScript budget and the time to render 1,000 worklist rows. Screenshots go to docs/console/.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CanonicalException, Tier } from '@exhub/canonical';
import { MappingRegistry } from '@exhub/mapping';
import { sampleException } from '../../../libs/store/testing/sample-exception';
import { CONSOLE_CSP } from '../../../apps/hub/src/console/serve-console';
import { stripeHeaders } from '../hub/hub-harness';
import {
  REPO,
  openTab,
  screenshot,
  seriousViolations,
  signIn,
  startConsoleRig,
  type ConsoleRig,
  type Tab,
} from './console-harness';

/** Per test (jest reads testTimeout only globally): a browser journey on a busy 2-core machine. */
const JOURNEY_MS = 90_000;
const SYNTHETIC = 1000;
const XSS_TITLE = '<img src=x onerror=alert(1)>';
const FIRST_LOAD_BUDGET_GZIP = 300 * 1024;

const fixture = (name: string) => readFileSync(join(REPO, 'connectors/stripe/fixtures', name));
const dispute = fixture('charge.dispute.created.json');
const chargeFailed = fixture('charge.failed.json');
/** The charge mapping's amount, and a bug that makes its exceptions invalid (dead-lettered). */
const GOOD_AMOUNT = 'expr: $money(data.object.amount, data.object.currency)';
const BROKEN_AMOUNT = `expr: "{ 'value': '1.00', 'currency': 'usd' }"`;
/** An expectation of the dispute's first golden case. */
const CASE_AMOUNT = "amount: { value: '22.00', currency: USD }";

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A synthetic exception whose factors add up to its score, as the scorer's do. */
function synthetic(i: number, score: number, title?: string): CanonicalException {
  const tier: Tier = score >= 70 ? 'p1' : score >= 50 ? 'p2' : score >= 30 ? 'p3' : 'p4';
  const e = sampleException({
    id: `console-${String(i).padStart(4, '0')}`,
    score,
    tier,
    parties: [`cus_${i % 37}`],
    title: title ?? `Synthetic dispute ${i}`,
  });
  const money = Math.round(score * 60) / 100;
  e.priority.factors = [
    {
      code: 'financial_exposure',
      dimension: 'financialExposure',
      points: money,
      detail: `EUR ${(i * 10).toFixed(2)} at stake`,
    },
    {
      code: 'sla_risk',
      dimension: 'slaRisk',
      points: Math.round((score - money) * 100) / 100,
      detail: 'the response deadline is near',
    },
  ];
  e.dueAt = new Date(Date.now() + (i - 100) * 3600_000).toISOString();
  // A few root causes for the insights chart.
  e.group = { key: `supplier-master:SUP-${i % 4}|${['TAX_MISMATCH', 'BANK_DETAILS'][i % 2]}` };
  return e;
}

describe('web console (chromium, real hub and RabbitMQ)', () => {
  // Under the repository's (git-ignored) data/: the hub names mapping files relative to its
  // working directory, and the screenshots show those names.
  mkdirSync(join(REPO, 'data'), { recursive: true });
  const work = mkdtempSync(join(REPO, 'data', 'console-e2e-'));
  const mappingsDir = join(work, 'mappings');
  const chargeMapping = join(mappingsDir, 'stripe/charge.mapping.yaml');
  let rig: ConsoleRig;
  let disputeId: string;
  const tabs: Tab[] = [];
  const tab = async () => {
    const t = await openTab(rig);
    tabs.push(t);
    return t;
  };

  beforeAll(async () => {
    cpSync(join(REPO, 'mappings'), mappingsDir, { recursive: true });
    const text = readFileSync(chargeMapping, 'utf8');
    if (!text.includes(GOOD_AMOUNT)) throw new Error(`${chargeMapping}: update GOOD_AMOUNT`);
    writeFileSync(chargeMapping, text.replace(GOOD_AMOUNT, BROKEN_AMOUNT));
    // The golden cases read their inputs relative to the mappings folder; one expectation is
    // made wrong so the playground has a difference to show.
    cpSync(join(REPO, 'connectors/stripe/fixtures'), join(work, 'connectors/stripe/fixtures'), {
      recursive: true,
    });
    const cases = join(mappingsDir, 'stripe/dispute.cases.yaml');
    const expected = readFileSync(cases, 'utf8');
    if (!expected.includes(CASE_AMOUNT)) throw new Error(`${cases}: update CASE_AMOUNT`);
    writeFileSync(cases, expected.replace(CASE_AMOUNT, CASE_AMOUNT.replace('22.00', '23.00')));
    // No hot reload: the replay test swaps the fixed mapping in itself, at a known moment.
    process.env.EXHUB_MAPPINGS_WATCH = 'false'; // read by the hub from the process environment
    rig = await startConsoleRig({ EXHUB_MAPPINGS_DIR: mappingsDir });
    const { hub } = rig;
    // A real dispute through webhook, pipeline and scorer; a charge the broken mapping dead-letters.
    expect((await hub.post('/v1/ingest/stripe', dispute, stripeHeaders(dispute))).status).toBe(202);
    expect(
      (await hub.post('/v1/ingest/stripe', chargeFailed, stripeHeaders(chargeFailed))).status,
    ).toBe(202);
    const real = await until('the dispute in the store', async () => {
      const page = await hub.rt.store.worklist({ status: 'open' });
      return page.items.find((e) => e.source.system === 'stripe');
    });
    disputeId = real.id;
    // Below the real dispute, so it stays the top of the worklist.
    const top = real.priority.score;
    for (let i = 1; i <= SYNTHETIC; i++) {
      const score = Math.round(((top * 0.95 * (SYNTHETIC - i + 1)) / SYNTHETIC) * 100) / 100;
      await hub.rt.store.upsertException(synthetic(i, score), { actor: 'pipeline' });
    }
    // Second in the worklist, so it is in view.
    const xss = synthetic(SYNTHETIC + 1, Math.round(top * 0.97 * 100) / 100, XSS_TITLE);
    xss.source.url = 'javascript:alert(2)';
    xss.summary = '<script>alert(3)</script>';
    await hub.rt.store.upsertException(xss, { actor: 'pipeline' });
    await until('the charge in the DLQ', async () =>
      (await hub.channel.checkQueue(hub.rt.topology.names.dlq)).messageCount === 1
        ? true
        : undefined,
    );
  }, 180_000);

  afterAll(async () => {
    for (const t of tabs) await t.context.close().catch(() => undefined);
    await rig?.close();
    rmSync(work, { recursive: true, force: true });
    delete process.env.EXHUB_MAPPINGS_WATCH;
  }, 60_000);

  afterEach(async () => {
    // No CSP violation and no uncaught error on any page of the test.
    const problems = tabs.flatMap((t) => t.problems);
    for (const t of tabs.splice(0)) await t.context.close().catch(() => undefined);
    expect(problems).toEqual([]);
  });

  it('serves the console under a strict CSP and keeps /docs as it was', async () => {
    const index = await rig.hub.get('/console/');
    expect(index.status).toBe(200);
    const res = await fetch(`${rig.baseUrl}/console/`);
    expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(CONSOLE_CSP).not.toMatch(/https?:/);
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(html).not.toMatch(/<style|style=/);
    const redirect = await fetch(`${rig.baseUrl}/console`, { redirect: 'manual' });
    expect([301, 302]).toContain(redirect.status);
    expect(redirect.headers.get('location')).toBe('/console/');
    const docs = await fetch(`${rig.baseUrl}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toContain(
      "style-src 'self' 'unsafe-inline'",
    );
  });

  it(
    'says plainly when a key is wrong, and keeps a good key out of the URL',
    async () => {
      const t = await tab();
      await t.page.goto(`${rig.baseUrl}/console/`);
      expect(await seriousViolations(t.page)).toEqual([]);
      await screenshot(t.page, 'sign-in');
      await t.page.getByLabel('API key').fill('exhub_nope.wrong');
      await t.page.getByRole('button', { name: 'Sign in' }).click();
      await expect(t.page.getByRole('alert').textContent()).resolves.toContain(
        'Your API key was not accepted',
      );
      await signIn(rig, t, rig.keys.viewer);
      expect(t.page.url()).not.toContain(rig.keys.viewer);
      expect(await t.page.evaluate(() => sessionStorage.getItem('exhub.apiKey'))).toBe(
        rig.keys.viewer,
      );
    },
    JOURNEY_MS,
  );

  it(
    'shows a viewer the worklist in score order, with tier, due, amount, party and factors',
    async () => {
      const t = await tab();
      await signIn(rig, t, rig.keys.viewer);
      const rows = t.page.locator('table.worklist tbody tr[data-id]');
      await t.page.getByText(/^200 shown, more available/).waitFor();
      // Only the rows in view are rendered; they are in score order, from the top.
      const scores = (await rows.locator('td:first-child').allTextContents()).map(Number);
      expect(scores.length).toBeGreaterThan(5);
      expect(scores.length).toBeLessThan(200);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      await expect(t.page.locator('table.worklist').getAttribute('aria-rowcount')).resolves.toBe(
        '201',
      );
      const first = rows.first();
      await expect(first.getAttribute('data-id')).resolves.toBe(disputeId);
      const second = await rows.nth(1).textContent();
      expect(second).toMatch(/EUR /); // amount
      expect(second).toMatch(/cus_\d+/); // party
      expect(second).toMatch(/at stake/); // a top factor's sentence
      expect(second).toMatch(/in \d|overdue/); // due countdown
      // The viewer's navigation has no pages its role cannot use.
      const nav = await t.page.getByRole('navigation', { name: 'Console pages' }).textContent();
      expect(nav).not.toContain('Operations');
      expect(nav).not.toContain('Mapping playground');
      // A filter narrows the list (the real dispute is the only P1 or not: all rows share the tier).
      await t.page.getByLabel('Tier').selectOption('p4');
      await until('only p4 rows', async () => {
        const tiers = await rows.locator('.tier').allTextContents();
        return tiers.length > 0 && tiers.every((x) => x === 'p4') ? true : undefined;
      });
      expect(await seriousViolations(t.page)).toEqual([]);
      await t.page.getByLabel('Tier').selectOption('');
      await rows.first().waitFor();
      await screenshot(t.page, 'worklist');
    },
    JOURNEY_MS,
  );

  it(
    'renders hostile text as text: nothing runs',
    async () => {
      const t = await tab();
      await signIn(rig, t, rig.keys.viewer);
      const link = t.page.getByRole('link', { name: XSS_TITLE });
      await link.waitFor();
      expect(await t.page.locator('table.worklist img').count()).toBe(0);
      await link.click();
      await t.page.getByRole('heading', { level: 1, name: XSS_TITLE }).waitFor();
      expect(await t.page.locator('main img, main script').count()).toBe(0);
      await expect(t.page.getByText('<script>alert(3)</script>').count()).resolves.toBe(1);
      // The javascript: source URL is not a link.
      expect(await t.page.locator('a[href^="javascript:"]').count()).toBe(0);
      await t.page.waitForTimeout(500);
      expect(t.dialogs).toEqual([]);
    },
    JOURNEY_MS,
  );

  it(
    'lets an operator read the top exception’s factors, resolve it, and the worklist updates',
    async () => {
      const list = await tab();
      await signIn(rig, list, rig.keys.operator);
      await list.page.locator(`tr[data-id="${disputeId}"]`).waitFor();

      const t = await tab();
      await signIn(rig, t, rig.keys.operator);
      await t.page.locator('table.worklist tbody tr[data-id]').first().getByRole('link').click();
      const waterfall = t.page.locator('table.waterfall');
      await waterfall.waitFor();
      const detail = (await rig.hub.rt.store.getException(disputeId))!;
      const factorRows = waterfall.locator('tbody tr');
      expect(await factorRows.count()).toBe(detail.priority.factors.length);
      for (const [i, f] of detail.priority.factors.entries()) {
        await expect(factorRows.nth(i).textContent()).resolves.toContain(f.detail);
      }
      await expect(t.page.getByTestId('waterfall-total').textContent()).resolves.toBe(
        detail.priority.score.toFixed(2),
      );
      await expect(waterfall.textContent()).resolves.toContain('the factors add up to the score');
      expect(await seriousViolations(t.page)).toEqual([]);
      await screenshot(t.page, 'exception-detail');

      await t.page.getByLabel('Action').selectOption('resolve');
      await t.page.getByLabel('Reason').fill('refunded the customer');
      await t.page.getByRole('button', { name: 'Record decision' }).click();
      await t.page.getByRole('status').filter({ hasText: 'Recorded: resolve' }).waitFor();
      // At once, from the decision's answer.
      await t.page
        .getByTestId('status')
        .filter({ hasText: /^resolved$/ })
        .waitFor();
      await t.page.getByText('decision').first().waitFor(); // the audit trail shows the decision
      // The other tab's live refresh drops the resolved exception without a reload.
      await list.page
        .locator(`tr[data-id="${disputeId}"]`)
        .waitFor({ state: 'detached', timeout: 15_000 });
      expect((await rig.hub.rt.store.getException(disputeId))!.status).toBe('resolved');
    },
    JOURNEY_MS,
  );

  it(
    'refuses a viewer an operator action with a message naming the role',
    async () => {
      const t = await tab();
      await signIn(rig, t, rig.keys.viewer);
      await t.page.goto(`${rig.baseUrl}/console/#/exceptions/console-0001`);
      await t.page.getByLabel('Reason').fill('trying');
      await t.page.getByRole('button', { name: 'Record decision' }).click();
      const alert = t.page.getByRole('alert').filter({ hasText: 'Not allowed' });
      await alert.waitFor();
      await expect(alert.textContent()).resolves.toMatch(/needs the operator role.*viewer role/s);
      expect((await rig.hub.rt.store.getException('console-0001'))!.status).toBe('open');
      await t.page.goto(`${rig.baseUrl}/console/#/operations`);
      await t.page
        .getByRole('alert')
        .filter({ hasText: 'Not allowed: this needs the operator role' })
        .first()
        .waitFor();
    },
    JOURNEY_MS,
  );

  it(
    'shows a steward the pointer of a broken payload highlighted, then a good payload mapped',
    async () => {
      const t = await tab();
      await signIn(rig, t, rig.keys.steward);
      await t.page.getByRole('link', { name: 'Mapping playground' }).click();
      await t.page.getByLabel('Mapping', { exact: true }).selectOption('stripe.charge-dispute');
      const broken = JSON.parse(dispute.toString('utf8'));
      broken.data.object.currency = 12;
      await t.page.getByLabel('Payload (JSON or XML)').fill(JSON.stringify(broken, null, 2));
      await t.page.getByRole('button', { name: 'Dry-run' }).click();
      const mark = t.page.locator('pre.payload mark');
      await mark.first().waitFor();
      expect(await mark.count()).toBe(1);
      await expect(mark.getAttribute('data-pointer')).resolves.toBe('/data/object/currency');
      await expect(mark.textContent()).resolves.toContain('"currency": 12');
      await expect(t.page.getByRole('alert').first().textContent()).resolves.toContain(
        '/payload/data/object/currency',
      );
      expect(await seriousViolations(t.page)).toEqual([]);
      await mark.scrollIntoViewIfNeeded();
      await screenshot(t.page, 'playground-error');

      await t.page.getByLabel('Payload (JSON or XML)').fill(dispute.toString('utf8'));
      await t.page.getByRole('button', { name: 'Dry-run' }).click();
      await t.page.getByRole('heading', { name: 'Canonical exceptions (1)' }).waitFor();
      expect(await t.page.locator('pre.payload mark').count()).toBe(0);
      await t.page.getByRole('button', { name: 'Priority dry-run' }).click();
      await t.page.getByText(/^Score \d+\.\d\d, tier p\d/).waitFor();
      await t.page.getByRole('button', { name: /Run the golden cases/ }).click();
      await t.page.getByText(/^3 passed, 1 failed\.$/).waitFor();
      await t.page.getByText('[0].amount.value changed: expected "23.00", got "22.00"').waitFor();
      expect(await seriousViolations(t.page)).toEqual([]);
      await screenshot(t.page, 'playground');

      // A bank file as banks send it: XML, parsed by the hub exactly as the pipeline parses it.
      await t.page.getByLabel('every mapping of a system and object type').check();
      await t.page.getByLabel('System', { exact: true }).fill('iso20022');
      await t.page.getByLabel('Object type', { exact: true }).fill('pain.002');
      await t.page
        .getByLabel('Payload (JSON or XML)')
        .fill(
          readFileSync(
            join(REPO, 'connectors/iso20022/fixtures/pain.002-rejected-file.xml'),
            'utf8',
          ),
        );
      await t.page.getByRole('button', { name: 'Dry-run', exact: true }).click();
      await t.page.getByRole('heading', { name: /^Canonical exceptions \([1-9]\d*\)$/ }).waitFor();
      expect(await t.page.getByRole('alert').count()).toBe(0);
    },
    JOURNEY_MS,
  );

  it(
    'lets an operator replay a dead letter after its dry-run',
    async () => {
      const { hub } = rig;
      // Fix the mapping and load it, as hot reload would.
      writeFileSync(
        chargeMapping,
        readFileSync(chargeMapping, 'utf8').replace(BROKEN_AMOUNT, GOOD_AMOUNT),
      );
      hub.rt.mappings.replaceWith(await MappingRegistry.loadDir(mappingsDir));
      const operator = {
        authorization: `Bearer ${rig.keys.operator}`,
        'content-type': 'application/json',
      };
      const listing = await hub.get('/v1/dlq', operator);
      const [dead] = (JSON.parse(listing.body) as { groups: { errorClass: string }[] }).groups;
      const check = await hub.post(
        '/v1/replay',
        JSON.stringify({ source: 'dlq', errorClass: dead.errorClass, dryRun: true }),
        operator,
      );
      // Under load the same event has been seen dead-lettered twice (a redelivery to the
      // pipeline); every copy must be republishable.
      const { items } = check.json.report as { items: { action: string; reason?: string }[] };
      expect(items.length).toBeGreaterThanOrEqual(1);
      // Listed, not counted, so that a failure shows why a copy would not be republished.
      expect(items.filter((i) => i.action !== 'would-republish')).toEqual([]);
      const n = items.length;
      const t = await tab();
      await signIn(rig, t, rig.keys.operator);
      await t.page.getByRole('link', { name: 'Operations' }).click();
      const group = t.page.getByRole('article', { name: /Dead letters: / });
      await group.waitFor();
      await group.locator('summary').first().click();
      await group.getByLabel(/^Headers of /).waitFor();
      await expect(group.getByLabel(/^Payload of /).textContent()).resolves.toContain(
        JSON.parse(chargeFailed.toString('utf8')).data.object.id,
      );
      await group.getByRole('button', { name: 'Replay dry-run' }).click();
      await group
        .getByText(`Dry-run: ${n} selected; ${n} would be republished, 0 quarantined.`)
        .waitFor();
      expect(await seriousViolations(t.page)).toEqual([]);
      await t.page.evaluate('scrollTo(0, 0)');
      await screenshot(t.page, 'operations');
      expect((await hub.channel.checkQueue(hub.rt.topology.names.dlq)).messageCount).toBe(n);
      await group.getByRole('button', { name: 'Replay…' }).click();
      const dialog = t.page.getByRole('dialog');
      await dialog.waitFor();
      expect(await seriousViolations(t.page)).toEqual([]);
      await dialog.getByRole('button', { name: 'Replay now' }).click();
      await t.page
        .getByRole('status')
        .filter({ hasText: `Replayed ${dead.errorClass}: ${n} republished, 0 quarantined.` })
        .waitFor({ timeout: 60_000 });
      expect((await hub.channel.checkQueue(hub.rt.topology.names.dlq)).messageCount).toBe(0);
      await until('the replayed charge in the store', async () => {
        const page = await hub.rt.store.worklist({ type: 'payment_failure' });
        const chargeId = JSON.parse(chargeFailed.toString('utf8')).data.object.id as string;
        return page.items.some((e) => e.source.objectId === chargeId) ? true : undefined;
      });
    },
    JOURNEY_MS,
  );

  it(
    'draws the insights charts over a chosen window',
    async () => {
      const t = await tab();
      await signIn(rig, t, rig.keys.viewer);
      await t.page.getByRole('link', { name: 'Insights' }).click();
      await t.page.getByRole('img', { name: /Age of the oldest open exception/ }).waitFor();
      await expect(
        t.page.getByRole('img', { name: 'Open exceptions per root cause' }).textContent(),
      ).resolves.toContain('supplier-master:SUP-');
      await t.page.getByLabel('Window').selectOption('7');
      await t.page.getByRole('heading', { name: 'Time to resolve' }).waitFor();
      await t.page
        .getByRole('img', { name: /p50 by type and tier/ })
        .first()
        .waitFor();
      expect(await seriousViolations(t.page)).toEqual([]);
      await screenshot(t.page, 'insights');
    },
    JOURNEY_MS,
  );

  it(
    'loads at most 300 KB of JavaScript (gzipped) on first load',
    async () => {
      const t = await tab();
      const scripts: string[] = [];
      t.page.on('response', (r) => {
        if (r.request().resourceType() === 'script') scripts.push(r.url());
      });
      await signIn(rig, t, rig.keys.viewer);
      await t.page.locator('table.worklist tbody tr[data-id]').first().waitFor();
      expect(scripts.length).toBeGreaterThan(0);
      let gzipped = 0;
      for (const url of scripts) {
        const body = Buffer.from(await (await fetch(url)).arrayBuffer());
        gzipped += gzipSync(body, { level: 9 }).length;
      }
      console.log(
        `console first-load JavaScript: ${scripts.length} file(s), ${gzipped} bytes gzipped`,
      );
      expect(gzipped).toBeLessThanOrEqual(FIRST_LOAD_BUDGET_GZIP);
    },
    JOURNEY_MS,
  );

  it(
    'renders 1,000 worklist rows without long tasks that block input',
    async () => {
      const t = await tab();
      await signIn(rig, t, rig.keys.viewer);
      // Live refresh off, so only the rendering of the pages is measured.
      await t.page.getByLabel('Live refresh').uncheck();
      await t.page.getByText(/^200 shown, more available/).waitFor();
      await t.page.evaluate(`window.longTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.longTasks.push(e.duration);
        }).observe({ type: 'longtask' });`);
      const started = Date.now();
      for (let n = 400; n <= 1000; n += 200) {
        await t.page.getByRole('button', { name: 'Load more' }).click();
        await t.page.getByText(new RegExp(`^${n} shown`)).waitFor();
      }
      // Scroll through all of it, as a reader would, a screenful at a time.
      const box = t.page.getByRole('region', { name: 'Worklist rows (scrolls)' });
      await box.hover();
      for (let i = 0; i < 40; i++) await t.page.mouse.wheel(0, 1600);
      const count = await t.page.locator('table.worklist').getAttribute('aria-rowcount');
      await t.page.locator(`table.worklist tr[aria-rowindex="${count}"]`).waitFor();
      const elapsed = Date.now() - started;
      const rows = Number(await t.page.locator('table.worklist').getAttribute('aria-rowcount')) - 1;
      expect(rows).toBeGreaterThanOrEqual(1000);
      // One more frame so a long task at the end is reported too.
      await t.page.evaluate('new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100)))');
      const longTasks = await t.page.evaluate<number[]>('window.longTasks');
      const worst = Math.max(0, ...longTasks);
      console.log(
        `console worklist: ${rows} rows (4 pages of 200 loaded, then scrolled to the end) in ${elapsed} ms; long tasks (>50 ms): ${longTasks.length}, worst ${Math.round(worst)} ms`,
      );
      // Jank: a task that keeps input waiting longer than people notice (RAIL: respond within
      // 100 ms). This machine is shared: with more runnable threads than cores every task takes
      // longer in proportion, so the bound is 100 ms times the contention (1-minute load average per core,
      // at least 1), printed with the figures. Rendering every loaded row instead of the rows in
      // view measured 1.5 s worst under the same contention.
      const contention = Math.max(1, loadavg()[0] / availableParallelism());
      console.log(
        `  load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores: bound ${Math.round(100 * contention)} ms`,
      );
      expect(worst).toBeLessThan(100 * contention);
    },
    JOURNEY_MS,
  );
});
