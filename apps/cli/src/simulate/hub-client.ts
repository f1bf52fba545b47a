/** The few hub endpoints `exhub simulate` and `exhub worklist` read. */
import type { CanonicalException } from '@exhub/canonical';
import { networkReason } from './drivers/webhook';
import { SimulateError } from './types';

export const trimUrl = (url: string) => url.replace(/\/+$/, '');

/** Fails with one line naming the URL when the hub does not answer /health/live. */
export async function checkHub(hubUrl: string, timeoutMs: number): Promise<void> {
  const url = `${trimUrl(hubUrl)}/health/live`;
  let status: number;
  try {
    status = (await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })).status;
  } catch (err) {
    throw new SimulateError(
      `cannot reach the hub at ${trimUrl(hubUrl)} (${networkReason(err)}): start it (bash scripts/start.sh) or pass --hub-url`,
    );
  }
  if (status !== 200) {
    throw new SimulateError(
      `the hub at ${trimUrl(hubUrl)} answered ${status} on /health/live: is that an Exception Hub? (--hub-url)`,
    );
  }
}

export interface WorklistOptions {
  hubUrl: string;
  apiKey: string;
  limit: number;
  /** Query filters of GET /v1/exceptions (domain, tier, status, …). */
  filters?: Record<string, string>;
  timeoutMs: number;
}

/** GET /v1/exceptions: the open worklist, highest score first (one page of `limit`). */
export async function fetchWorklist(o: WorklistOptions): Promise<CanonicalException[]> {
  return (await fetchWorklistPage(o)).items;
}

/**
 * The whole worklist, page after page (`nextCursor`), highest score first, up to `maxItems`:
 * a scenario larger than one page (the API's limit is 200) is read whole, never cut off.
 */
export async function fetchWholeWorklist(
  o: WorklistOptions & { maxItems: number },
): Promise<CanonicalException[]> {
  const items: CanonicalException[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchWorklistPage({
      ...o,
      filters: cursor ? { ...o.filters, cursor } : o.filters,
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < o.maxItems);
  return items;
}

async function fetchWorklistPage(
  o: WorklistOptions,
): Promise<{ items: CanonicalException[]; nextCursor?: string }> {
  const query = new URLSearchParams({ ...o.filters, limit: String(o.limit) });
  const url = `${trimUrl(o.hubUrl)}/v1/exceptions?${query}`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${o.apiKey}` },
      signal: AbortSignal.timeout(o.timeoutMs),
    });
  } catch (err) {
    throw new SimulateError(
      `cannot reach the hub at ${trimUrl(o.hubUrl)} (${networkReason(err)}): is it running? (--hub-url)`,
    );
  }
  const text = await res.text();
  if (res.status === 401 || res.status === 403) {
    throw new SimulateError(
      `the hub refused the API key (${res.status}): create one with \`exhub keys create --role viewer --name worklist\` against the hub's store and pass it with --api-key or EXHUB_API_KEY`,
    );
  }
  if (res.status !== 200) {
    const message = (() => {
      try {
        return (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        return text;
      }
    })();
    throw new SimulateError(`GET ${url} answered ${res.status}: ${message.slice(0, 300)}`);
  }
  return JSON.parse(text) as { items: CanonicalException[]; nextCursor?: string };
}
