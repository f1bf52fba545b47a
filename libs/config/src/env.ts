import {
  DEFAULT_AMQP_URL,
  DEFAULT_CONFIG_FILE,
  DEFAULT_HOST,
  DEFAULT_LOG_LEVEL,
  DEFAULT_MAPPINGS_DIR,
  DEFAULT_POLICIES_DIR,
  DEFAULT_PORT,
  DEFAULT_ROLES,
  DEFAULT_SHUTDOWN_DEADLINE_MS,
  DEFAULT_STORE_URL,
  ROLES,
  type Role,
} from './constants';

export interface EnvSettings {
  amqpUrl: string;
  port: number;
  host: string;
  storeUrl: string;
  roles: ReadonlySet<Role>;
  mappingsDir: string;
  policiesDir: string;
  configFile: string;
  logLevel: string;
  /** Prefix of every exchange and queue name; `exhub` in production, unique per test run. */
  topologyPrefix: string;
  shutdownDeadlineMs: number;
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

/** Reads the hub's settings from the environment, with the documented defaults. */
export function loadEnvSettings(env: NodeJS.ProcessEnv = process.env): EnvSettings {
  return {
    amqpUrl: env.AMQP_URL || DEFAULT_AMQP_URL,
    port: parseInteger('PORT', env.PORT, DEFAULT_PORT),
    host: env.HOST || DEFAULT_HOST,
    storeUrl: env.EXHUB_STORE_URL || DEFAULT_STORE_URL,
    roles: parseRoles(env.EXHUB_ROLES || DEFAULT_ROLES),
    mappingsDir: env.EXHUB_MAPPINGS_DIR || DEFAULT_MAPPINGS_DIR,
    policiesDir: env.EXHUB_POLICIES_DIR || DEFAULT_POLICIES_DIR,
    configFile: env.EXHUB_CONFIG || DEFAULT_CONFIG_FILE,
    logLevel: env.LOG_LEVEL || DEFAULT_LOG_LEVEL,
    topologyPrefix: env.EXHUB_TOPOLOGY_PREFIX || 'exhub',
    shutdownDeadlineMs: parseInteger(
      'EXHUB_SHUTDOWN_DEADLINE_MS',
      env.EXHUB_SHUTDOWN_DEADLINE_MS,
      DEFAULT_SHUTDOWN_DEADLINE_MS,
    ),
  };
}
