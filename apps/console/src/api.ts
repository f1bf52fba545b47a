// The hub's public HTTP API, called with the API key from sessionStorage (never from the URL).

export type Role = 'viewer' | 'steward' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'steward', 'operator', 'admin'];

const KEY_STORAGE = 'exhub.apiKey';

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}
export function storeKey(key: string): void {
  sessionStorage.setItem(KEY_STORAGE, key);
}
export function forgetKey(): void {
  sessionStorage.removeItem(KEY_STORAGE);
}

export function roleAtLeast(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

export interface Issue {
  pointer: string;
  rule?: string;
  message: string;
}

/** A non-2xx answer: the hub's error body, plus a sentence for people. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly hubMessage: string,
    readonly issues: Issue[] = [],
  ) {
    super(plainMessage(status, hubMessage));
  }
}

/** What a person reads: 401 and 403 in plain words, with the hub's own detail after them. */
export function plainMessage(status: number, hubMessage: string): string {
  if (status === 401) {
    return `Your API key was not accepted (wrong, revoked or missing). Sign in again with a valid key. (${hubMessage})`;
  }
  if (status === 403) {
    const needed = /needs the (\w+) role/.exec(hubMessage)?.[1];
    return needed
      ? `Not allowed: this needs the ${needed} role or higher. ${hubMessage}.`
      : `Not allowed: ${hubMessage}`;
  }
  if (status === 0) return `The hub did not answer: ${hubMessage}`;
  return hubMessage;
}

/** Called on 401 so the app can return to the sign-in form. */
let onUnauthorized: (message: string) => void = () => undefined;
export function setUnauthorizedHandler(handler: (message: string) => void): void {
  onUnauthorized = handler;
}

export async function api<T>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  key: string | null = storedKey(),
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiFailure(0, 'network', (err as Error).message);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text.slice(0, 300) };
  }
  if (!res.ok) {
    const b = (json ?? {}) as { error?: string; message?: string; issues?: Issue[] };
    const failure = new ApiFailure(
      res.status,
      b.error ?? String(res.status),
      b.message ?? `HTTP ${res.status} from ${method} ${path}`,
      b.issues ?? [],
    );
    if (res.status === 401) onUnauthorized(failure.message);
    throw failure;
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown) => api<T>('POST', path, body);

/** Query string of the set values only. */
export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
