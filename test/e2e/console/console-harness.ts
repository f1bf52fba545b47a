/**
 * The web console in a real browser: Debian's chromium driven by playwright-core, against a real
 * hub (in-process, listening on a free port) and RabbitMQ. Helpers for signing in, axe-core
 * checks, CSP violations, and screenshots into docs/console/.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { consoleDir } from '../../../apps/hub/src/console/serve-console';
import { startHub, type Harness } from '../hub/hub-harness';

export const REPO = join(__dirname, '../../..');
export const SCREENSHOTS = join(REPO, 'docs/console');
export const CHROMIUM = process.env.EXHUB_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export type Role = 'viewer' | 'steward' | 'operator' | 'admin';

export interface ConsoleRig {
  hub: Harness;
  baseUrl: string;
  browser: Browser;
  keys: Record<Role, string>;
  close(): Promise<void>;
}

/** A hub on a free port with one key per role, and a headless chromium. */
export async function startConsoleRig(env: Record<string, string> = {}): Promise<ConsoleRig> {
  if (!consoleDir()) {
    throw new Error('the console is not built (no dist/console/index.html): run `npm run build`');
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no chromium at ${CHROMIUM}: run scripts/ensure-services.sh chromium (apt-get install chromium)`,
    );
  }
  const hub = await startHub(env);
  await hub.app.listen(0, '127.0.0.1');
  const { port } = hub.app.getHttpServer().address() as AddressInfo;
  const keys = {} as Record<Role, string>;
  for (const role of ['viewer', 'steward', 'operator', 'admin'] as const) {
    keys[role] = (await hub.rt.store.createApiKey(role, `e2e-${role}`)).key;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    hub,
    baseUrl: `http://127.0.0.1:${port}`,
    browser,
    keys,
    async close() {
      await browser.close().catch(() => undefined);
      await hub.close();
    },
  };
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** CSP violations and uncaught page errors seen so far. */
  problems: string[];
  /** alert()/confirm()/prompt() dialogs a script opened (an XSS would open one). */
  dialogs: string[];
}

/** A fresh browser context (its own sessionStorage) with a page that records problems. */
export async function openTab(rig: ConsoleRig): Promise<Tab> {
  const context = await rig.browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  return { context, page, problems, dialogs };
}

export async function signIn(rig: ConsoleRig, tab: Tab, key: string): Promise<void> {
  await tab.page.goto(`${rig.baseUrl}/console/`);
  await tab.page.getByLabel('API key').fill(key);
  await tab.page.getByRole('button', { name: 'Sign in' }).click();
  await tab.page.getByRole('navigation', { name: 'Console pages' }).waitFor();
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical axe-core violations on the page as it is now (WCAG 2.1 A/AA rules). */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE_SOURCE);
  // Browser-side code as text: the test project's TypeScript has no DOM types.
  const options = JSON.stringify({
    runOnly: {
      type: 'tag',
      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
    },
  });
  const violations = await page.evaluate<
    { id: string; impact: string; help: string; targets: string[] }[]
  >(`axe.run(document, ${options}).then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)),
    })))`);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.targets.join(', ')}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}
