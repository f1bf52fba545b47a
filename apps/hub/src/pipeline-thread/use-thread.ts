import type { EnvSettings } from '@exhub/config';
import type { Logger } from '@exhub/observability';
import { parseStoreUrl } from '@exhub/store';

/**
 * Whether the pipeline worker runs in a worker thread of its own (EXHUB_WORKER_THREAD=on, with the
 * `pipeline` role beside `ingress`): not when it is off; not for the `pipeline` role alone, where
 * no webhook waits on the event loop and a second V8 isolate would only add its own heap (~140 MiB
 * of RSS at idle); and not with an in-memory store, which one connection alone can see (the thread
 * would write exceptions HTTP never reads).
 */
export function usePipelineThread(env: EnvSettings, logger: Logger): boolean {
  if (!env.roles.has('pipeline') || !env.roles.has('ingress') || env.workerThread === 'off') {
    return false;
  }
  const store = parseStoreUrl(env.storeUrl);
  if (store.kind === 'sqlite' && store.path === ':memory:') {
    logger.warn(
      { storeUrl: env.storeUrl },
      'EXHUB_WORKER_THREAD=on needs a store both threads can open; sqlite::memory: is private to one connection, so the pipeline worker runs on the HTTP event loop',
    );
    return false;
  }
  return true;
}
