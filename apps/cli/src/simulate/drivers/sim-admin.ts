/**
 * Delivery to a polled source: the record is added to the running simulator of that source
 * through its admin route (`POST /__sim/<records>`), and the hub's connector finds it on its next
 * poll, as it would in the real system. Shared by the drivers of polled connectors.
 */
import { SimulateError, type Delivery } from '../types';
import { networkReason } from './webhook';

export interface SimulatorTarget {
  /** The source's name in messages, e.g. `ServiceNow`. */
  label: string;
  /** The driver id (for the `--connectors` hint). */
  driver: string;
  /** The environment variable that says where the simulator listens, and its default. */
  urlEnv: string;
  defaultUrl: string;
  /** How to start it, e.g. `npm run simulator -- servicenow`. */
  start: string;
  env: Record<string, string | undefined>;
  timeoutMs: number;
}

export interface SimulatorAdmin {
  base: string;
  /** Checks that `POST <path>` exists (an empty list is added), or throws SimulateError. */
  probe(path: string): Promise<void>;
  /** Adds records; one request at a time, in the order asked (see below). */
  add(path: string, body: string): Promise<Delivery>;
}

/**
 * A polled connector keeps a watermark (the latest change time it has read): a record added after
 * a later one could fall behind it and never be read. So additions go one at a time, in order.
 */
export function simulatorAdmin(t: SimulatorTarget): SimulatorAdmin {
  const base = (t.env[t.urlEnv] || t.defaultUrl).replace(/\/+$/, '');
  const post = (path: string, body: string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(t.timeoutMs),
    });
  let queue: Promise<unknown> = Promise.resolve();
  const inOrder = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    base,
    async probe(path) {
      let status: number;
      try {
        status = (await post(path, '[]')).status;
      } catch (err) {
        throw new SimulateError(
          `cannot reach the ${t.label} simulator at ${base} (${networkReason(err)}): start it (${t.start}), set ${t.urlEnv}, or leave ${t.driver} out with --connectors`,
        );
      }
      if (status !== 201) {
        throw new SimulateError(
          `the ${t.label} simulator at ${base} answered ${status} to POST ${path}: rebuild it (npm run build) so it has that endpoint, or point ${t.urlEnv} at one that does`,
        );
      }
    },
    add: (path, body) =>
      inOrder(async () => {
        try {
          const res = await post(path, body);
          if (res.status === 201) return { outcome: 'accepted', status: res.status };
          return {
            outcome: 'rejected',
            status: res.status,
            detail: (await res.text()).slice(0, 200),
          };
        } catch (err) {
          return { outcome: 'failed', detail: `${base}${path}: ${networkReason(err)}` };
        }
      }),
  };
}
