import {
  DEFAULT_AMQP_URL,
  DEFAULT_CONFIG_FILE,
  DEFAULT_HOST,
  DEFAULT_INGRESS_RATE_LIMIT,
  DEFAULT_INGRESS_RATE_WINDOW,
  DEFAULT_LOG_LEVEL,
  DEFAULT_MAPPINGS_DIR,
  DEFAULT_POLICIES_DIR,
  DEFAULT_PORT,
  DEFAULT_ROLES,
  DEFAULT_SHUTDOWN_DEADLINE_MS,
  DEFAULT_SQLITE_CHECKPOINT,
  DEFAULT_STORE_URL,
  DEFAULT_WORKER_CHANNELS,
  defaultWorkerBatchMax,
  DEFAULT_WORKER_PREFETCH,
  DEFAULT_WORKER_THREAD,
  DEFAULT_PG_NAMED_STATEMENTS,
  DEFAULT_PIPELINE_THREAD_NICE,
  DEFAULT_INGRESS_FIRST,
  DEFAULT_INGRESS_FIRST_MAX_WAIT_MS,
  DEFAULT_INGRESS_FIRST_LOOP,
  MAX_NICE,
  LOG_LEVELS,
  ROLES,
  SQLITE_CHECKPOINT_MODES,
  WORKER_THREAD_SETTINGS,
  type Role,
  type SqliteCheckpoint,
  type WorkerThreadSetting,
} from './constants';

export interface EnvSettings {
  amqpUrl: string;
  port: number;
  host: string;
  storeUrl: string;
  /**
   * Who checkpoints the SQLite store's WAL (EXHUB_SQLITE_CHECKPOINT): `background` (a thread, off
   * the event loop) or `commit` (SQLite's own, inside a commit). No effect on PostgreSQL.
   */
  sqliteCheckpoint: SqliteCheckpoint;
  /**
   * PostgreSQL only: prepare each statement text once per connection (EXHUB_PG_NAMED_STATEMENTS,
   * `on` by default; `off` for a pooler that cannot carry prepared statements).
   */
  pgNamedStatements: boolean;
  roles: ReadonlySet<Role>;
  mappingsDir: string;
  policiesDir: string;
  configFile: string;
  logLevel: string;
  /** Prefix of every exchange and queue name; `exhub` in production, unique per test run. */
  topologyPrefix: string;
  shutdownDeadlineMs: number;
  /** Retry tiers (EXHUB_RETRY_DELAYS, e.g. `5s,30s,5m`); undefined = the messaging defaults. */
  retryDelaysMs?: number[];
  /**
   * Deliveries the pipeline worker takes together, at most (EXHUB_WORKER_BATCH_MAX): those ready
   * at once are stored in one transaction (group commit); 1 = one delivery at a time.
   */
  workerBatchMax: number;
  /**
   * Deliveries the pipeline worker holds unacknowledged at once on each of its channels
   * (EXHUB_WORKER_PREFETCH, the channel prefetch on exhub.work).
   */
  workerPrefetch: number;
  /**
   * Channels the pipeline worker consumes exhub.work on (EXHUB_WORKER_CHANNELS), each with the
   * prefetch: prefetch × channels is the most a group commit can take.
   */
  workerChannels: number;
  /**
   * Where the pipeline worker runs when this process also has other roles (EXHUB_WORKER_THREAD):
   * `on` = in a worker thread of its own, with its own broker and store connections, so the
   * pipeline does not starve HTTP and a second core is used; `off` = on the HTTP event loop.
   */
  workerThread: WorkerThreadSetting;
  /**
   * The pipeline worker thread's nice value, 0–19 (EXHUB_PIPELINE_THREAD_NICE, default 0 = the
   * same priority as HTTP): above 0, when the cores are busy, webhook ingress gets the CPU first.
   */
  pipelineThreadNice: number;
  /**
   * Webhooks in flight at which the pipeline worker of the same process holds its next batch
   * (EXHUB_INGRESS_FIRST, default 8; 0 = never): webhooks are answered first during a burst.
   */
  ingressFirst: number;
  /** The longest the pipeline worker holds a batch for webhooks (EXHUB_INGRESS_FIRST_MAX_WAIT). */
  ingressFirstMaxWaitMs: number;
  /** HTTP event loop utilisation (0–1) from which the webhooks count as saturating it (EXHUB_INGRESS_FIRST_LOOP). */
  ingressFirstLoop: number;
  /** Attempts before a retryable failure is dead-lettered (EXHUB_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** How long a message may keep failing before it is dead-lettered (EXHUB_MAX_RETRY_AGE, e.g. `1h`). */
  maxRetryAgeMs?: number;
  /**
   * Webhook requests allowed per connector and client IP per window (EXHUB_INGRESS_RATE_LIMIT,
   * EXHUB_INGRESS_RATE_WINDOW); `max` 0 = no limit. Over it: 429 with Retry-After.
   */
  ingressRateLimit: { max: number; windowMs: number };
  /** Origins allowed to call the API from a browser (EXHUB_CORS_ORIGINS); empty = CORS off. */
  corsOrigins: string[];
  /**
   * Mapping limits set by the operator (libs/mapping MappingLimits; unset = the library's
   * defaults): EXHUB_MAPPING_TIMEOUT_MS (budget per payload, or per `each` item),
   * EXHUB_MAPPING_EACH_TIMEOUT_MS (the `each` expression) and EXHUB_MAPPING_MAX_EACH_ITEMS.
   */
  mappingLimits: { mappingTimeoutMs?: number; eachTimeoutMs?: number; maxEachItems?: number };
}

export class EnvError extends Error {
  override name = 'EnvError';
}

function parseRoles(raw: string): ReadonlySet<Role> {
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 1 && parts[0] === 'all') return new Set(ROLES);
  const unknown = parts.filter((p) => !(ROLES as readonly string[]).includes(p));
  if (unknown.length > 0 || parts.length === 0) {
    throw new EnvError(
      `EXHUB_ROLES="${raw}": unknown role ${unknown.map((u) => `"${u}"`).join(', ') || '(none given)'}; ` +
        `use "all" or a comma-separated list of ${ROLES.join(', ')}`,
    );
  }
  return new Set(parts as Role[]);
}

function parseInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new EnvError(`${name}="${raw}" must be a whole number`);
  return n;
}

/** A number from 0 to 1 (`0.5`). */
function parseFraction(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    throw new EnvError(`${name}="${raw}" must be a number from 0 to 1 (default ${fallback})`);
  }
  return n;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `250ms`, `5s`, `30m`, `1h` → milliseconds. */
function parseDuration(name: string, raw: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(raw.trim());
  if (!m || Number(m[1]) <= 0) {
    throw new EnvError(
      `${name}: "${raw}" is not a duration; use a whole number with ms, s, m or h, e.g. 5s`,
    );
  }
  return Number(m[1]) * DURATION_UNITS_MS[m[2]];
}

function parseRetryDelays(raw: string | undefined): number[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const delays = raw.split(',').map((d) => parseDuration('EXHUB_RETRY_DELAYS', d));
  if (delays.some((d, i) => i > 0 && d <= delays[i - 1])) {
    throw new EnvError(`EXHUB_RETRY_DELAYS="${raw}": tiers must grow, e.g. 5s,30s,5m`);
  }
  return delays;
}

/** `https://a.example, https://b.example` → origins; each must be an http(s) origin, no path. */
function parseOrigins(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const origins = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new EnvError(
        `EXHUB_CORS_ORIGINS: "${origin}" is not an origin; use scheme://host[:port] without a path, e.g. https://ops.example.com`,
      );
    }
  }
  return origins;
}

/** EXHUB_WORKER_BATCH_MAX: a whole number from 1 (no batching) up; unset, prefetch × channels. */
function parseWorkerBatchMax(raw: string | undefined, fallback: number): number {
  const n = parseInteger('EXHUB_WORKER_BATCH_MAX', raw, fallback);
  if (n < 1) {
    throw new EnvError(
      `EXHUB_WORKER_BATCH_MAX="${raw}" must be at least 1 (1 = one delivery at a time, no group commit)`,
    );
  }
  return n;
}

/** EXHUB_WORKER_PREFETCH: a whole number from 1 up. */
function parseWorkerPrefetch(raw: string | undefined): number {
  const n = parseInteger('EXHUB_WORKER_PREFETCH', raw, DEFAULT_WORKER_PREFETCH);
  if (n < 1) {
    throw new EnvError(
      `EXHUB_WORKER_PREFETCH="${raw}" must be at least 1 (the deliveries the pipeline worker holds unacknowledged at once)`,
    );
  }
  return n;
}

/** EXHUB_WORKER_CHANNELS: a whole number from 1 up. */
function parseWorkerChannels(raw: string | undefined): number {
  const n = parseInteger('EXHUB_WORKER_CHANNELS', raw, DEFAULT_WORKER_CHANNELS);
  if (n < 1) {
    throw new EnvError(
      `EXHUB_WORKER_CHANNELS="${raw}" must be at least 1 (the channels the pipeline worker consumes exhub.work on)`,
    );
  }
  return n;
}

/** EXHUB_WORKER_THREAD: `on` or `off`. */
function parseWorkerThread(raw: string | undefined): WorkerThreadSetting {
  if (raw === undefined || raw.trim() === '') return DEFAULT_WORKER_THREAD;
  const value = raw.trim().toLowerCase();
  if ((WORKER_THREAD_SETTINGS as readonly string[]).includes(value)) {
    return value as WorkerThreadSetting;
  }
  throw new EnvError(
    `EXHUB_WORKER_THREAD="${raw}": use "on" (the pipeline worker in a thread of its own) or "off" (on the HTTP event loop); default ${DEFAULT_WORKER_THREAD}`,
  );
}

/** EXHUB_PG_NAMED_STATEMENTS: `on` or `off`. */
function parsePgNamedStatements(raw: string | undefined): boolean {
  const value = raw === undefined || raw.trim() === '' ? DEFAULT_PG_NAMED_STATEMENTS : raw.trim();
  if (value.toLowerCase() === 'on') return true;
  if (value.toLowerCase() === 'off') return false;
  throw new EnvError(
    `EXHUB_PG_NAMED_STATEMENTS="${raw}": use "on" (each statement prepared once per PostgreSQL connection) or "off" (every query unnamed, for a pooler that cannot keep prepared statements); default ${DEFAULT_PG_NAMED_STATEMENTS}`,
  );
}

/** EXHUB_PIPELINE_THREAD_NICE: a whole number 0–19. */
function parsePipelineThreadNice(raw: string | undefined): number {
  const n = parseInteger('EXHUB_PIPELINE_THREAD_NICE', raw?.trim(), DEFAULT_PIPELINE_THREAD_NICE);
  if (n > MAX_NICE) {
    throw new EnvError(
      `EXHUB_PIPELINE_THREAD_NICE="${raw}" must be 0–${MAX_NICE} (0 = the HTTP thread's priority; default ${DEFAULT_PIPELINE_THREAD_NICE})`,
    );
  }
  return n;
}

/** EXHUB_SQLITE_CHECKPOINT: one of the modes, `background` when unset. */
function parseSqliteCheckpoint(raw: string | undefined): SqliteCheckpoint {
  if (raw === undefined || raw.trim() === '') return DEFAULT_SQLITE_CHECKPOINT;
  const mode = raw.trim().toLowerCase();
  if ((SQLITE_CHECKPOINT_MODES as readonly string[]).includes(mode))
    return mode as SqliteCheckpoint;
  throw new EnvError(
    `EXHUB_SQLITE_CHECKPOINT="${raw}" is not a checkpoint mode; use one of ${SQLITE_CHECKPOINT_MODES.join(', ')} (default ${DEFAULT_SQLITE_CHECKPOINT})`,
  );
}

/** LOG_LEVEL, checked here so that a typo is one line at start, not a logger's stack trace. */
function parseLogLevel(raw: string | undefined): string {
  if (raw === undefined || raw === '') return DEFAULT_LOG_LEVEL;
  const level = raw.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level;
  throw new EnvError(
    `LOG_LEVEL="${raw}" is not a log level; use one of ${LOG_LEVELS.join(', ')} (default ${DEFAULT_LOG_LEVEL})`,
  );
}

/** Reads the hub's settings from the environment, with the documented defaults. */
export function loadEnvSettings(env: NodeJS.ProcessEnv = process.env): EnvSettings {
  const workerPrefetch = parseWorkerPrefetch(env.EXHUB_WORKER_PREFETCH);
  const workerChannels = parseWorkerChannels(env.EXHUB_WORKER_CHANNELS);
  return {
    amqpUrl: env.AMQP_URL || DEFAULT_AMQP_URL,
    port: parseInteger('PORT', env.PORT, DEFAULT_PORT),
    host: env.HOST || DEFAULT_HOST,
    storeUrl: env.EXHUB_STORE_URL || DEFAULT_STORE_URL,
    sqliteCheckpoint: parseSqliteCheckpoint(env.EXHUB_SQLITE_CHECKPOINT),
    roles: parseRoles(env.EXHUB_ROLES || DEFAULT_ROLES),
    mappingsDir: env.EXHUB_MAPPINGS_DIR || DEFAULT_MAPPINGS_DIR,
    policiesDir: env.EXHUB_POLICIES_DIR || DEFAULT_POLICIES_DIR,
    configFile: env.EXHUB_CONFIG || DEFAULT_CONFIG_FILE,
    logLevel: parseLogLevel(env.LOG_LEVEL),
    topologyPrefix: env.EXHUB_TOPOLOGY_PREFIX || 'exhub',
    shutdownDeadlineMs: parseInteger(
      'EXHUB_SHUTDOWN_DEADLINE_MS',
      env.EXHUB_SHUTDOWN_DEADLINE_MS,
      DEFAULT_SHUTDOWN_DEADLINE_MS,
    ),
    retryDelaysMs: parseRetryDelays(env.EXHUB_RETRY_DELAYS),
    workerBatchMax: parseWorkerBatchMax(
      env.EXHUB_WORKER_BATCH_MAX,
      defaultWorkerBatchMax(workerPrefetch, workerChannels),
    ),
    workerPrefetch,
    workerChannels,
    workerThread: parseWorkerThread(env.EXHUB_WORKER_THREAD),
    pgNamedStatements: parsePgNamedStatements(env.EXHUB_PG_NAMED_STATEMENTS),
    pipelineThreadNice: parsePipelineThreadNice(env.EXHUB_PIPELINE_THREAD_NICE),
    ingressFirst: parseInteger(
      'EXHUB_INGRESS_FIRST',
      env.EXHUB_INGRESS_FIRST?.trim(),
      DEFAULT_INGRESS_FIRST,
    ),
    ingressFirstMaxWaitMs: env.EXHUB_INGRESS_FIRST_MAX_WAIT
      ? parseDuration('EXHUB_INGRESS_FIRST_MAX_WAIT', env.EXHUB_INGRESS_FIRST_MAX_WAIT)
      : DEFAULT_INGRESS_FIRST_MAX_WAIT_MS,
    ingressFirstLoop: parseFraction(
      'EXHUB_INGRESS_FIRST_LOOP',
      env.EXHUB_INGRESS_FIRST_LOOP,
      DEFAULT_INGRESS_FIRST_LOOP,
    ),
    maxAttempts: env.EXHUB_MAX_ATTEMPTS
      ? parseInteger('EXHUB_MAX_ATTEMPTS', env.EXHUB_MAX_ATTEMPTS, 0) || undefined
      : undefined,
    maxRetryAgeMs: env.EXHUB_MAX_RETRY_AGE
      ? parseDuration('EXHUB_MAX_RETRY_AGE', env.EXHUB_MAX_RETRY_AGE)
      : undefined,
    ingressRateLimit: {
      max: parseInteger(
        'EXHUB_INGRESS_RATE_LIMIT',
        env.EXHUB_INGRESS_RATE_LIMIT,
        DEFAULT_INGRESS_RATE_LIMIT,
      ),
      windowMs: parseDuration(
        'EXHUB_INGRESS_RATE_WINDOW',
        env.EXHUB_INGRESS_RATE_WINDOW || DEFAULT_INGRESS_RATE_WINDOW,
      ),
    },
    corsOrigins: parseOrigins(env.EXHUB_CORS_ORIGINS),
    mappingLimits: parseMappingLimits(env),
  };
}

/** The mapping limits the environment sets (positive whole numbers), and only those. */
function parseMappingLimits(env: NodeJS.ProcessEnv): EnvSettings['mappingLimits'] {
  const limits: EnvSettings['mappingLimits'] = {};
  const names = {
    mappingTimeoutMs: 'EXHUB_MAPPING_TIMEOUT_MS',
    eachTimeoutMs: 'EXHUB_MAPPING_EACH_TIMEOUT_MS',
    maxEachItems: 'EXHUB_MAPPING_MAX_EACH_ITEMS',
  } as const;
  for (const [key, name] of Object.entries(names) as [keyof typeof names, string][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const n = parseInteger(name, raw, 0);
    if (n <= 0) throw new EnvError(`${name}="${raw}" must be a whole number above 0`);
    limits[key] = n;
  }
  return limits;
}
