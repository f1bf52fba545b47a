/**
 * What `exhub replay` and `exhub dlq` share: the environment (AMQP_URL, EXHUB_TOPOLOGY_PREFIX,
 * EXHUB_MAPPINGS_DIR, EXHUB_POLICIES_DIR), the broker connection, the store (for `audit`, `keys`
 * and `model` too), the dry pipeline used to
 * re-validate events, a progress line, and exit codes.
 */
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { InvalidArgumentError } from 'commander';
import type { ChannelModel } from 'amqplib';
import { loadEnvSettings, type EnvSettings } from '@exhub/config';
import {
  buildTopology,
  connectAmqp,
  ConfirmPublisher,
  type Recheck,
  type TopologyNames,
} from '@exhub/messaging';
import { ISO_TIME_EXAMPLE, parseIsoTime } from '@exhub/messaging';
import { openStore, type ExceptionStore } from '@exhub/store';
import { EXIT_USAGE } from '../conventions';

/** Exit codes of the operations commands (commander's own parse errors exit `usage` too). */
export const EXIT = {
  ok: 0,
  /** The broker, a file or the mappings failed. */
  failed: 1,
  /** A flag is wrong or missing. */
  usage: EXIT_USAGE,
  /** Done, but not everything went through (dead letters quarantined, id not found). */
  partial: 3,
  /** Interrupted (Ctrl-C); a replay's checkpoint was written. */
  interrupted: 130,
} as const;

/** How often a non-TTY run prints a progress line. */
export const PROGRESS_INTERVAL_MS = 5_000;
/** Connector version the dry pipeline stamps on previews (the hub stamps its own version). */
export const CLI_CONNECTOR_VERSION = 'exhub-cli';
/** File of the priority policy inside EXHUB_POLICIES_DIR, as the hub loads it. */
export const POLICY_FILE = 'priority.yaml';

/** A bad flag value: commander prints it with the usage hint and exits with EXIT.usage. */
export function usageError(message: string): InvalidArgumentError {
  const error = new InvalidArgumentError(message);
  error.exitCode = EXIT.usage;
  return error;
}

export function isoTimeOption(flag: string): (value: string) => Date {
  return (value: string) => {
    const parsed = parseIsoTime(value);
    if (!parsed) {
      throw usageError(
        `${flag} "${value}" is not an ISO 8601 time; expected e.g. ${ISO_TIME_EXAMPLE} (a date, or date and time with Z or an offset)`,
      );
    }
    return parsed;
  };
}

export function positiveIntOption(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw usageError(`${flag} "${value}" must be a whole number ≥ 1`);
    }
    return n;
  };
}

/** `--rate 20` or `--rate 20/s`: events per second, > 0. */
export function rateOption(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(value.trim());
  const rate = match ? Number(match[1]) : Number.NaN;
  if (!(rate > 0)) {
    throw usageError(`--rate "${value}" must be events per second, e.g. 20 or 20/s (more than 0)`);
  }
  return rate;
}

export interface OpsContext {
  env: EnvSettings;
  names: TopologyNames;
  connection: ChannelModel;
  close(): Promise<void>;
}

export async function openOps(tool: string): Promise<OpsContext> {
  const env = loadEnvSettings();
  const names = buildTopology({ prefix: env.topologyPrefix }).names;
  const connection = await connectAmqp(env.amqpUrl, { name: `exhub-cli ${tool}` });
  return {
    env,
    names,
    connection,
    close: () => connection.close().catch(() => undefined),
  };
}

/** The store the hub uses (EXHUB_STORE_URL), opened with the hub's store settings. */
export function openConfiguredStore(): Promise<ExceptionStore> {
  const env = loadEnvSettings();
  return openStore(env.storeUrl, { pgNamedStatements: env.pgNamedStatements });
}

export async function openPublisher(ctx: OpsContext): Promise<ConfirmPublisher> {
  return ConfirmPublisher.create(ctx.connection);
}

/** The pipeline, dry, with the mappings and policy from EXHUB_MAPPINGS_DIR / EXHUB_POLICIES_DIR. */
export async function loadRecheck(env: EnvSettings): Promise<Recheck> {
  // Loaded only when a command re-validates: `--help`, `dlq ls` and plain replays stay light.
  const [{ MappingRegistry }, { PolicyScorer, loadPolicyFile }, { pipelineRecheck }] =
    await Promise.all([
      import('../../../../libs/mapping/src/index.js'),
      import('../../../../libs/prioritization/src/index.js'),
      import('../../../../libs/pipeline/src/index.js'),
    ]);
  const mappings = await MappingRegistry.loadDir(env.mappingsDir);
  const scorer = new PolicyScorer(loadPolicyFile(join(env.policiesDir, POLICY_FILE)));
  return pipelineRecheck({ mappings, scorer, connectorVersion: CLI_CONNECTOR_VERSION });
}

/** A progress bar on a TTY, a plain line every few seconds otherwise (logs, CI). */
export class Progress {
  private bar?: SingleBar;
  private lastLine = 0;

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(value: number, total: number, detail: string): void {
    if (this.out.isTTY) {
      if (!this.bar) {
        this.bar = new SingleBar({
          stream: this.out,
          format: `${this.label} [{bar}] {value}/{total} {detail}`,
          hideCursor: true,
        });
        this.bar.start(Math.max(total, 1), value, { detail });
      }
      this.bar.setTotal(Math.max(total, 1));
      this.bar.update(value, { detail });
      return;
    }
    const now = Date.now();
    if (now - this.lastLine >= PROGRESS_INTERVAL_MS) {
      this.lastLine = now;
      this.out.write(`${this.label}: ${value}/${total} ${detail}\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

/** `93784` → `1d2h`; `125` → `2m5s`: the two largest units. */
export function formatAge(seconds: number | undefined): string {
  if (seconds === undefined) return '?';
  const units: [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(seconds));
  for (const [size, unit] of units) {
    if (rest >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join('');
}

/** Rows as aligned columns (the first row is the header). */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
