/**
 * `exhub simulate --scenario <name> --rate N --duration D`: drives the connectors' simulators
 * with a realistic mix of exceptions (apps/cli/src/simulate/), with a progress line and a
 * summary. Webhook sources are signed as the real ones sign; SAP invoices go to the SAP
 * simulator the hub polls.
 */
import { Option, type Command } from 'commander';
import { loadEnvSettings } from '@exhub/config';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_DURATION,
  DEFAULT_HUB_URL,
  DEFAULT_RATE,
  MAX_DURATION_SECONDS,
  MAX_RATE,
} from '../simulate/constants';
import { SIM_DRIVERS } from '../simulate/drivers';
import { parseDuration, runSimulation, type SimulationResult } from '../simulate/engine';
import { randomSeed } from '../simulate/prng';
import { loadReferenceData } from '../simulate/reference-data';
import { SCENARIOS } from '../simulate/scenarios';
import { SimulateError } from '../simulate/types';
import { registerWorklistCommand } from './worklist';
import { EXIT, Progress, positiveIntOption, rateOption, usageError } from './ops-shared';
import { MS_PER_SECOND } from '@exhub/core';

interface SimulateFlags {
  scenario?: string;
  rate: number;
  duration: Duration;
  hubUrl: string;
  seed?: number;
  connectors?: string[];
  closeDate?: Date;
  concurrency: number;
  list?: boolean;
  json?: boolean;
}

/** A duration as given (for the summary's repeat line) and in ms. */
interface Duration {
  text: string;
  ms: number;
}

function scenarioOption(value: string): string {
  if (!SCENARIOS[value]) {
    throw usageError(
      `unknown scenario "${value}"; known: ${Object.keys(SCENARIOS).join(', ')} (exhub simulate --list)`,
    );
  }
  return value;
}

function simRateOption(value: string): number {
  const rate = rateOption(value);
  if (rate > MAX_RATE) throw usageError(`--rate "${value}" is above ${MAX_RATE} events per second`);
  return rate;
}

function durationOption(value: string): Duration {
  const ms = parseDuration(value);
  if (ms === undefined || ms > MAX_DURATION_SECONDS * MS_PER_SECOND) {
    throw usageError(
      `--duration "${value}" must be a time such as 90, 30s, 5m or 1h (more than 0, at most ${MAX_DURATION_SECONDS / 3600}h)`,
    );
  }
  return { text: value, ms };
}

function seedOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw usageError(`--seed "${value}" must be a whole number ≥ 0`);
  }
  return n;
}

function closeDateOption(value: string): Date {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!d || Number.isNaN(d.getTime())) {
    throw usageError(`--close-date "${value}" must be a date such as 2026-11-30`);
  }
  return d;
}

function list(): void {
  const lines = ['scenarios:'];
  for (const s of Object.values(SCENARIOS)) {
    lines.push(`  ${s.name}: ${s.description}`);
    const total = s.mix.reduce((sum, e) => sum + e.weight, 0);
    for (const e of s.mix) {
      const missing = SIM_DRIVERS[e.driver] ? '' : ' (no driver yet: skipped)';
      lines.push(
        `    ${((100 * e.weight) / total).toFixed(0).padStart(3)}%  ${e.driver}/${e.kind}${missing}`,
      );
    }
  }
  lines.push('drivers:');
  for (const d of Object.values(SIM_DRIVERS)) {
    lines.push(`  ${d.id}: ${d.describe}`);
    for (const [name, k] of Object.entries(d.kinds)) lines.push(`    ${name}: ${k.description}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function progressDetail(s: SimulationResult['stats']): string {
  const seconds = Math.max(s.elapsedMs / MS_PER_SECOND, 0.001);
  return `sent · ${s.accepted + s.duplicate} accepted · ${s.rejected + s.failed} rejected · ${(s.done / seconds).toFixed(1)}/s`;
}

export function formatSummary(
  r: SimulationResult,
  flags: { scenario: string; seed: number; rate: number; duration: string },
): string {
  const s = r.stats;
  const seconds = s.elapsedMs / MS_PER_SECOND;
  const lines = [
    `${flags.scenario} (seed ${flags.seed}, run ${r.runId}): ${s.sent} of ${s.planned} sent in ${seconds.toFixed(1)} s (${(s.done / Math.max(seconds, 0.001)).toFixed(1)}/s): ` +
      `${s.accepted} accepted, ${s.duplicate} duplicate, ${s.rejected} rejected, ${s.failed} failed`,
  ];
  for (const [driver, c] of Object.entries(s.byDriver)) {
    lines.push(
      `  ${driver.padEnd(10)} ${String(c.sent).padStart(6)} sent  ${String(c.accepted).padStart(6)} accepted  ${c.duplicate} duplicate  ${c.rejected} rejected  ${c.failed} failed`,
    );
  }
  const kinds = Object.entries(s.byKind).sort((a, b) => b[1] - a[1]);
  if (kinds.length) lines.push(`  mix: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  for (const [why, n] of Object.entries(s.refusals)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)) {
    lines.push(`  refused ×${n}: ${why}`);
  }
  if (r.plan.skipped.length) {
    lines.push(
      `  left out (no driver registered or not selected): ${r.plan.skipped.map((e) => `${e.driver}/${e.kind}`).join(', ')}`,
    );
  }
  const polled = ['sap-s4', 'netsuite', 'salesforce', 'servicenow'].filter((d) => s.byDriver[d]);
  if (polled.length > 0) {
    lines.push(
      `  ${polled.join(', ')} records reach the hub on its next poll of each simulator (pollIntervalSeconds)`,
    );
  }
  if (r.stopped) lines.push(`  stopped early: ${r.stopped}`);
  lines.push(
    `  repeat: exhub simulate --scenario ${flags.scenario} --rate ${flags.rate} --duration ${flags.duration} --seed ${flags.seed}`,
  );
  return `${lines.join('\n')}\n`;
}

async function simulate(flags: SimulateFlags): Promise<void> {
  if (flags.list) return list();
  if (!flags.scenario) {
    process.stderr.write(
      `exhub: --scenario is required; known: ${Object.keys(SCENARIOS).join(', ')} (exhub simulate --list)\n`,
    );
    process.exitCode = EXIT.usage;
    return;
  }
  const scenario = SCENARIOS[flags.scenario];
  const seed = flags.seed ?? randomSeed();
  const duration = flags.duration.text;
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  const progress = new Progress(scenario.name);
  try {
    const refs = await loadReferenceData(loadEnvSettings().mappingsDir);
    const result = await runSimulation({
      scenario,
      refs,
      seed,
      rate: flags.rate,
      durationMs: flags.duration.ms,
      hubUrl: flags.hubUrl,
      env: process.env,
      connectors: flags.connectors,
      closeDate: flags.closeDate,
      concurrency: flags.concurrency,
      signal: controller.signal,
      onStart: (plan, sessions) => {
        if (flags.json) return;
        const targets = Object.values(sessions).map((s) => s.target);
        process.stderr.write(
          `exhub: ${scenario.name} at ${flags.rate}/s for ${duration} (seed ${seed}) → ${targets.join(', ')}\n`,
        );
        if (plan.skipped.length) {
          const missing = [...new Set(plan.skipped.map((e) => e.driver))];
          process.stderr.write(
            `exhub: no events from ${missing.join(', ')} in this run (no driver registered or not selected)\n`,
          );
        }
      },
      onProgress: (s) => {
        if (!flags.json) progress.update(s.sent, s.planned, progressDetail(s));
      },
    });
    progress.stop();
    const s = result.stats;
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({ scenario: scenario.name, seed, runId: result.runId, stopped: result.stopped, skipped: result.plan.skipped.map((e) => `${e.driver}/${e.kind}`), ...s }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(
        formatSummary(result, { scenario: scenario.name, seed, rate: flags.rate, duration }),
      );
    }
    if (result.stopped === 'interrupted') process.exitCode = EXIT.interrupted;
    else if (s.accepted + s.duplicate === 0) process.exitCode = EXIT.failed;
    else if (s.rejected + s.failed > 0 || result.stopped) process.exitCode = EXIT.partial;
  } catch (err) {
    progress.stop();
    if (!(err instanceof SimulateError)) throw err;
    process.stderr.write(`exhub: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } finally {
    process.off('SIGINT', interrupt);
  }
}

/** `exhub simulate` and `exhub worklist`, which watches what a simulation produced. */
export function registerSimulateCommands(program: Command): void {
  registerWorklistCommand(program);
  program
    .command('simulate')
    .description(
      "drive the connectors' simulators with a scenario (month-end-close, support-surge) and show progress",
    )
    .option('--scenario <name>', 'the scenario (see --list)', scenarioOption)
    .option('--rate <n>', `events per second (at most ${MAX_RATE})`, simRateOption, DEFAULT_RATE)
    .addOption(
      new Option('--duration <d>', 'how long to send: 90 (seconds), 30s, 5m, 1h')
        .argParser(durationOption)
        // The parsed default is an object; help shows it as the text a user would type.
        .default({ text: DEFAULT_DURATION, ms: parseDuration(DEFAULT_DURATION) }, DEFAULT_DURATION),
    )
    .option(
      '--hub-url <url>',
      'the hub (EXHUB_HUB_URL)',
      process.env.EXHUB_HUB_URL || DEFAULT_HUB_URL,
    )
    .option(
      '--seed <n>',
      'seed of the event generator: the same seed sends the same events',
      seedOption,
    )
    .option(
      '--connectors <ids>',
      `only these drivers, comma-separated (${Object.keys(SIM_DRIVERS).join(', ')})`,
      (v: string) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
    )
    .option(
      '--close-date <date>',
      'the period end due dates cluster around [last day of this month]',
      closeDateOption,
    )
    .option(
      '--concurrency <n>',
      'deliveries in flight at once',
      positiveIntOption('--concurrency'),
      DEFAULT_CONCURRENCY,
    )
    .option('--list', 'list the scenarios, their mix and the drivers')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      '\nSecrets and targets come from the environment: STRIPE_WEBHOOK_SECRET, ISO20022_WEBHOOK_SECRET, ZENDESK_WEBHOOK_SECRET (the values the hub has), SAP_S4_SIM_URL [http://127.0.0.1:4010], SERVICENOW_SIM_URL [http://127.0.0.1:4020], NETSUITE_SIM_URL [http://127.0.0.1:4040], SALESFORCE_SIM_URL [http://127.0.0.1:4050].\nExit codes: 0 every event accepted, 1 failed (hub unreachable, nothing accepted), 2 bad flags, 3 some refused, 130 interrupted.',
    )
    .action(simulate);
}
