import { STORE_PING_TIMEOUT_MS } from './constants';
import type { ExceptionStore } from './store';

export interface StoreCheck {
  ok: boolean;
  detail: string;
}

/**
 * The readiness check: the store answers within a bound and its writes work, or the reason it
 * does not (a full disk still answers `select 1`).
 */
export async function storeReadiness(
  store: ExceptionStore,
  timeoutMs: number = STORE_PING_TIMEOUT_MS,
): Promise<StoreCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([store.ping(), timeout]);
    const failure = store.writeFailure();
    if (failure !== undefined) {
      return {
        ok: false,
        detail: `${store.kind} store ${store.location} answers reads but ${failure}`,
      };
    }
    return { ok: true, detail: `${store.kind} store ${store.location} answers` };
  } catch (err) {
    return {
      ok: false,
      detail: `${store.kind} store ${store.location}: ${(err as Error).message}`,
    };
  } finally {
    clearTimeout(timer);
  }
}
