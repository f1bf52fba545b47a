import { readFileSync } from 'node:fs';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import configSchema from '../../../schemas/exhub.config.schema.json';
import {
  DEFAULT_DEDUPE_WINDOW_SECONDS,
  DEFAULT_DUE_SWEEP_SECONDS,
  DEFAULT_DUE_WITHIN_HOURS,
  DEFAULT_ENRICHMENT_CACHE_TTL_SECONDS,
  DEFAULT_ENRICHMENT_RECHECK_SECONDS,
  DEFAULT_MAX_BODY_BYTES,
} from './constants';
import { resolveReference, Secret } from './secrets';

export interface ConnectorInstanceConfig {
  id: string;
  type: string;
  enabled: boolean;
  /** Settings with every `${VAR}` reference replaced by a `Secret` (or a literal default). */
  settings: Record<string, unknown>;
  /** Set when the instance cannot run as configured, e.g. a secret variable is not set. */
  unavailable?: string;
}

/** Context lookups (schemas/exhub.config.schema.json `enrichment`): connector ids per kind. */
export interface EnrichmentConfig {
  account?: string;
  credit?: string;
  supplier?: string;
  cacheTtlSeconds: number;
  recheckSeconds: number;
  dueSweepSeconds: number;
  dueWithinHours: number;
}

export interface HubConfig {
  file: string;
  connectors: ConnectorInstanceConfig[];
  ingress: { maxBodyBytes: number; dedupeWindowSeconds: number };
  enrichment: EnrichmentConfig;
}

/** One problem in the config file, located by line and column. */
export interface ConfigProblem {
  line: number;
  column: number;
  pointer: string;
  message: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
    summary?: string,
  ) {
    super(
      summary ??
        `${file} is not valid:\n` +
          problems
            .map((p) => `  ${file}:${p.line}:${p.column} ${p.pointer || '/'}: ${p.message}`)
            .join('\n'),
    );
  }
}

const ajv = new Ajv2020({ allErrors: true, strict: true, useDefaults: false });
const validateConfig = ajv.compile(configSchema);

function pathOf(pointer: string): (string | number)[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function locate(doc: Document, lc: LineCounter, pointer: string): { line: number; column: number } {
  // Walk up until a node with a position is found (a missing property has none of its own).
  const path = pathOf(pointer);
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      const pos = lc.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: 1, column: 1 };
}

function describe(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}" (remove it or check its spelling)`;
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'required':
      return `missing required field "${(e.params as { missingProperty: string }).missingProperty}"`;
    default:
      return e.message ?? e.keyword;
  }
}

/** Replaces `${VAR}` references in settings by Secrets; collects what is missing. */
function resolveSettings(value: unknown, env: NodeJS.ProcessEnv, missing: string[]): unknown {
  if (typeof value === 'string') {
    const r = resolveReference(value, env);
    switch (r.kind) {
      case 'literal':
        return r.value;
      case 'secret':
        return r.secret;
      case 'empty':
        return undefined;
      case 'missing':
        missing.push(r.variable);
        return undefined;
    }
  }
  if (Array.isArray(value)) {
    return value.map((v) => resolveSettings(v, env, missing)).filter((v) => v !== undefined);
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = resolveSettings(v, env, missing);
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  return value;
}

/**
 * Loads exhub.config.yaml: YAML syntax and schema errors name the file, line and column; secret
 * references are resolved from the environment. An instance whose secret is not set is kept but
 * marked `unavailable` with the reason, so the hub starts and says what to set.
 */
export function loadHubConfig(file: string, env: NodeJS.ProcessEnv = process.env): HubConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      file,
      [],
      `cannot read ${file} (${(err as NodeJS.ErrnoException).code}); set EXHUB_CONFIG to the connector instances file`,
    );
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = lc.linePos(e.pos[0]);
        return {
          line: pos.line,
          column: pos.col,
          pointer: '',
          message: `YAML syntax: ${e.message.split('\n')[0]}`,
        };
      }),
    );
  }
  const data = doc.toJS() as unknown;
  if (!validateConfig(data)) {
    throw new ConfigError(
      file,
      (validateConfig.errors ?? []).map((e) => {
        const pointer =
          e.keyword === 'required'
            ? `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`
            : e.instancePath;
        return { ...locate(doc, lc, e.instancePath), pointer, message: describe(e) };
      }),
    );
  }
  const raw = data as {
    connectors: {
      id: string;
      type: string;
      enabled?: boolean;
      settings?: Record<string, unknown>;
    }[];
    ingress?: { maxBodyBytes?: number; dedupeWindowSeconds?: number };
    enrichment?: Partial<EnrichmentConfig>;
  };
  const seen = new Map<string, number>();
  const problems: ConfigProblem[] = [];
  raw.connectors.forEach((c, i) => {
    if (seen.has(c.id)) {
      problems.push({
        ...locate(doc, lc, `/connectors/${i}/id`),
        pointer: `/connectors/${i}/id`,
        message: `duplicate connector id "${c.id}" (first declared at /connectors/${seen.get(c.id)})`,
      });
    }
    seen.set(c.id, i);
  });
  if (problems.length > 0) throw new ConfigError(file, problems);

  const connectors = raw.connectors.map((c): ConnectorInstanceConfig => {
    const missing: string[] = [];
    const settings = resolveSettings(c.settings ?? {}, env, missing) as Record<string, unknown>;
    return {
      id: c.id,
      type: c.type,
      enabled: c.enabled ?? true,
      settings,
      unavailable:
        missing.length > 0
          ? `set ${missing.map((m) => `${m} (or ${m}_FILE)`).join(', ')} in the environment`
          : undefined,
    };
  });
  return {
    file,
    connectors,
    ingress: {
      maxBodyBytes: raw.ingress?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      dedupeWindowSeconds: raw.ingress?.dedupeWindowSeconds ?? DEFAULT_DEDUPE_WINDOW_SECONDS,
    },
    enrichment: {
      ...raw.enrichment,
      cacheTtlSeconds: raw.enrichment?.cacheTtlSeconds ?? DEFAULT_ENRICHMENT_CACHE_TTL_SECONDS,
      recheckSeconds: raw.enrichment?.recheckSeconds ?? DEFAULT_ENRICHMENT_RECHECK_SECONDS,
      dueSweepSeconds:
        Number(env.EXHUB_DUE_SWEEP_SECONDS) > 0
          ? Number(env.EXHUB_DUE_SWEEP_SECONDS)
          : (raw.enrichment?.dueSweepSeconds ?? DEFAULT_DUE_SWEEP_SECONDS),
      dueWithinHours: raw.enrichment?.dueWithinHours ?? DEFAULT_DUE_WITHIN_HOURS,
    },
  };
}

export { Secret };
