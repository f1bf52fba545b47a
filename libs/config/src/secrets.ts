import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A secret value resolved from the environment. It prints, logs and serialises as `[redacted]`;
 * only `reveal()` gives the value, at the one place that needs it (a signature check, an auth
 * header).
 */
export class Secret {
  readonly #value: string;
  constructor(
    value: string,
    /** Where it came from, e.g. `env STRIPE_WEBHOOK_SECRET` — safe to print. */
    readonly origin: string,
  ) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return `Secret(${this.origin})`;
  }
}

/** `${NAME}` or `${NAME:-default}`: a whole-string reference to an environment variable. */
const REFERENCE = /^\$\{([A-Z_][A-Z0-9_]*)(?::-(.*))?\}$/;

export type SecretResolution =
  | { kind: 'literal'; value: string }
  | { kind: 'secret'; secret: Secret }
  | { kind: 'missing'; variable: string }
  | { kind: 'empty' };

/**
 * Resolves a reference from `env[NAME]`, else from the file named by `env[NAME_FILE]` (Docker and
 * Kubernetes secrets), else the default. Strings that are not references are literals.
 */
export function resolveReference(raw: string, env: NodeJS.ProcessEnv): SecretResolution {
  const m = REFERENCE.exec(raw);
  if (!m) return { kind: 'literal', value: raw };
  const [, name, fallback] = m;
  const direct = env[name];
  if (direct !== undefined && direct !== '')
    return { kind: 'secret', secret: new Secret(direct, `env ${name}`) };
  const file = env[`${name}_FILE`];
  if (file) {
    const fromFile = readFileSync(file, 'utf8').trim();
    return { kind: 'secret', secret: new Secret(fromFile, `file named by ${name}_FILE`) };
  }
  if (fallback !== undefined)
    return fallback === '' ? { kind: 'empty' } : { kind: 'literal', value: fallback };
  return { kind: 'missing', variable: name };
}
