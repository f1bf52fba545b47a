/** Delivery over the hub's webhook ingress (POST /v1/ingest/<connector id>), shared by drivers. */
import type { Delivery } from '../types';

/** `ECONNREFUSED` from a fetch failure (Node puts the socket error in `cause`). */
export function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

export function ingestUrl(hubUrl: string, connectorId: string): string {
  return `${hubUrl.replace(/\/+$/, '')}/v1/ingest/${encodeURIComponent(connectorId)}`;
}

/** Posts one event; `202` is accepted (or a duplicate the hub already had), anything else rejected. */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Delivery> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      body,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { outcome: 'failed', detail: `${url}: ${networkReason(err)}` };
  }
  const text = await res.text().catch(() => '');
  let json: { duplicate?: boolean; message?: string } = {};
  try {
    json = text ? (JSON.parse(text) as typeof json) : {};
  } catch {
    // a non-JSON answer (a proxy's error page): its first line is the detail
  }
  if (res.status === 202) {
    return { outcome: json.duplicate ? 'duplicate' : 'accepted', status: res.status };
  }
  return {
    outcome: 'rejected',
    status: res.status,
    detail: json.message ?? (text.split('\n')[0].slice(0, 200) || res.statusText),
  };
}
