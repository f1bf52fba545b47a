/**
 * `exhub worklist [--watch]`: the hub's ranked worklist (GET /v1/exceptions, highest score
 * first) in the terminal — tier, score, type, amount, party and the top reasons. `--watch`
 * refreshes it in place every second; off a terminal it prints one plain snapshot.
 */
import { Option, type Command } from 'commander';
import {
  DEFAULT_HUB_URL,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_WORKLIST_REFRESH_MS,
  DEFAULT_WORKLIST_TOP,
} from '../simulate/constants';
import { parseDuration } from '../simulate/engine';
import { fetchWorklist, trimUrl } from '../simulate/hub-client';
import { SimulateError } from '../simulate/types';
import { snapshot, watchWorklist } from '../simulate/worklist-watch';
import { EXIT, positiveIntOption, usageError } from './ops-shared';

/** GET /v1/exceptions allows at most this many per page. */
const MAX_TOP = 200;
export const API_KEY_ENV = 'EXHUB_API_KEY';

interface WorklistFlags {
  hubUrl: string;
  apiKey?: string;
  top: number;
  watch?: boolean;
  interval: number;
  domain?: string;
  tier?: string;
  status: string;
  json?: boolean;
}

function intervalOption(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms < 200) {
    throw usageError(`--interval "${value}" must be a time of at least 200ms, e.g. 1s or 500ms`);
  }
  return ms;
}

/** A flag problem found in the action (commander prints only its own parse errors). */
function usage(message: string): void {
  process.stderr.write(`exhub: ${message}\n`);
  process.exitCode = EXIT.usage;
}

async function worklist(flags: WorklistFlags): Promise<void> {
  const apiKey = flags.apiKey ?? process.env[API_KEY_ENV];
  if (!apiKey) {
    return usage(
      `an API key is needed: set ${API_KEY_ENV} (or --api-key) to a key from \`exhub keys create --role viewer --name worklist\``,
    );
  }
  if (flags.top > MAX_TOP) return usage(`--top is at most ${MAX_TOP}`);
  const filters: Record<string, string> = { status: flags.status };
  if (flags.domain) filters.domain = flags.domain;
  if (flags.tier) filters.tier = flags.tier;
  const fetch = () =>
    fetchWorklist({
      hubUrl: flags.hubUrl,
      apiKey,
      limit: flags.top,
      filters,
      timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    });
  const title = `Exception Hub worklist: top ${flags.top} ${flags.status} by score · ${trimUrl(flags.hubUrl)}`;
  try {
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(await fetch(), null, 2)}\n`);
      return;
    }
    if (!flags.watch || !process.stdout.isTTY) {
      process.stdout.write(await snapshot({ fetch, title }));
      return;
    }
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    try {
      await watchWorklist({ fetch, title, intervalMs: flags.interval, signal: controller.signal });
    } finally {
      process.off('SIGINT', stop);
    }
  } catch (err) {
    if (!(err instanceof SimulateError)) throw err;
    process.stderr.write(`exhub: ${err.message}\n`);
    process.exitCode = EXIT.failed;
  }
}

export function registerWorklistCommand(program: Command): void {
  program
    .command('worklist')
    .description(
      'the ranked worklist: top exceptions with tier, score, type, amount and top reasons',
    )
    .option(
      '--hub-url <url>',
      'the hub (EXHUB_HUB_URL)',
      process.env.EXHUB_HUB_URL || DEFAULT_HUB_URL,
    )
    .option('--api-key <key>', `a viewer key (prefer ${API_KEY_ENV}: a flag shows in ps)`)
    .option('--top <n>', 'how many', positiveIntOption('--top'), DEFAULT_WORKLIST_TOP)
    .option('--watch', 'refresh in place until Ctrl-C (on a terminal)')
    .addOption(
      new Option('--interval <d>', 'refresh interval with --watch')
        .argParser(intervalOption)
        .default(DEFAULT_WORKLIST_REFRESH_MS, `${DEFAULT_WORKLIST_REFRESH_MS}ms`),
    )
    .option('--domain <domain>', 'only finance or support')
    .option('--tier <tier>', 'only p1, p2, p3 or p4')
    .option('--status <status>', 'open, in_review, resolved, dismissed', 'open')
    .option('--json', 'print the exceptions as JSON')
    .action(worklist);
}
