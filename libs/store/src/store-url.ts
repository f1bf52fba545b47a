import { StoreOpenError } from './errors';

export type StoreTarget =
  | { kind: 'sqlite'; path: string; display: string }
  | { kind: 'postgres'; connectionString: string; display: string };

/** The URL with any password replaced, for messages and logs. */
export function redactStoreUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

/**
 * `sqlite:<path>` (relative to the working directory, or absolute), `sqlite::memory:`, or
 * `postgres://…` / `postgresql://…`.
 */
export function parseStoreUrl(url: string): StoreTarget {
  const display = redactStoreUrl(url);
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') {
      throw new StoreOpenError(
        `EXHUB_STORE_URL="${display}" names no file: use sqlite:./data/exhub.db or sqlite::memory:`,
      );
    }
    return { kind: 'sqlite', path, display };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', connectionString: url, display };
  throw new StoreOpenError(
    `EXHUB_STORE_URL="${display}": unknown scheme; use sqlite:<file> (default sqlite:./data/exhub.db) or postgres://user:password@host:5432/db`,
  );
}
