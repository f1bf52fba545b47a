/**
 * The load tool's side of the ingest benchmark, run as its own process (forked by run.ts) so the
 * hub never shares an event loop with the client: autocannon against `POST /v1/ingest/<connector>`
 * with a distinct Stripe event per request, signed per request with the endpoint secret exactly as
 * Stripe does (HMAC-SHA256 over `<t>.<raw body>`, connectors/stripe/stripe.signature.ts).
 *
 * Input: one JSON argument (LoadOptions). Output: one IPC message with the LoadResult.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LoadOptions {
  url: string;
  secret: string;
  run: string;
  durationSeconds: number;
  connections: number;
  /** Requests per second over all connections; flat out when absent. */
  overallRate?: number;
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Time (ms since the load started) of every non-2xx answer, for the outage timeline. */
  non2xxAtMs: number[];
  durationSeconds: number;
}

/** Minimal shape of the autocannon 9 API used here (the package ships no types). */
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (req: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}
interface AutocannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
}
type Autocannon = (
  opts: Record<string, unknown> & { requests: AutocannonRequest[] },
  cb: (err: Error | null, result: AutocannonResult) => void,
) => unknown;

const FIXTURE = join(__dirname, '../../../connectors/stripe/fixtures/charge.dispute.created.json');

/**
 * The fixture as a template: the ids that make an event a distinct source fact are placeholders —
 * the event, its request, the dispute, and the dispute's charge and payment intent. One shared
 * charge would link every exception of the run to every other (bench/pipeline/common.ts), and
 * the all-roles pass would measure a pipeline reading ever more linked exceptions instead.
 */
function template(): (seq: string) => string {
  const event = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
    id: string;
    request: { id: string };
    data: { object: { id: string; charge: string; payment_intent: string } };
  };
  event.id = 'evt_@SEQ@';
  event.request = { ...event.request, id: 'req_@SEQ@' };
  event.data.object.id = 'du_@SEQ@';
  event.data.object.charge = 'ch_@SEQ@';
  event.data.object.payment_intent = 'pi_@SEQ@';
  const parts = JSON.stringify(event).split('@SEQ@');
  return (seq) => parts.join(seq);
}

export function sign(body: string, secret: string, t: number): string {
  const v1 = createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
  return `t=${t},v1=${v1}`;
}

function main(): void {
  const opts = JSON.parse(process.argv[2]) as LoadOptions;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon') as Autocannon;
  const body = template();
  const started = Date.now();
  const non2xxAtMs: number[] = [];
  let seq = 0;
  autocannon(
    {
      url: opts.url,
      connections: opts.connections,
      duration: opts.durationSeconds,
      ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const text = body(`${opts.run}_${process.pid}_${seq++}`);
            const t = Math.floor(Date.now() / 1000);
            return {
              ...req,
              body: text,
              headers: {
                'content-type': 'application/json',
                'stripe-signature': sign(text, opts.secret, t),
              },
            };
          },
          onResponse: (status) => {
            if (status < 200 || status > 299) non2xxAtMs.push(Date.now() - started);
          },
        },
      ],
    },
    (err, result) => {
      if (err) throw err;
      const statusCodes = Object.fromEntries(
        Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]),
      );
      const out: LoadResult = {
        requests: result.requests.total,
        perSecond: Math.round(result.requests.total / result.duration),
        p50Ms: result.latency.p50,
        p90Ms: result.latency.p90,
        p99Ms: result.latency.p99,
        maxMs: result.latency.max,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        statusCodes,
        non2xxAtMs,
        durationSeconds: result.duration,
      };
      process.send?.(out, () => process.exit(0));
    },
  );
}

if (require.main === module) main();
