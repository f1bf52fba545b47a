/**
 * W3C Trace Context `traceparent` values (https://www.w3.org/TR/trace-context/#traceparent-header):
 * `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`. Only version 00 is produced.
 */
import { randomFillSync } from 'node:crypto';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const SAMPLED = '01';

export interface TraceContext {
  traceId: string;
  spanId: string;
  flags: string;
}

/**
 * Random bytes for ids, drawn from the CSPRNG a pool at a time: a few spans per event each asked
 * `randomBytes` for 8 or 16 bytes (an allocation and a call into OpenSSL each, ~3 % of the
 * worker's CPU in its profile). Every byte is used once.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let poolAt = POOL_BYTES;

/** Random non-zero hex id of `bytes` bytes (all-zero ids are invalid per the spec). */
function randomId(bytes: number): string {
  for (;;) {
    if (poolAt + bytes > POOL_BYTES) {
      randomFillSync(pool);
      poolAt = 0;
    }
    const id = pool.toString('hex', poolAt, poolAt + bytes);
    poolAt += bytes;
    if (!/^0+$/.test(id)) return id;
  }
}

/** Parse a `traceparent`; `undefined` if it is not a valid one (so callers start a new trace). */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  const match = value === undefined ? null : TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags] = match;
  if (version === 'ff' || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags };
}

/** A new trace (sampled), for an event that arrived without trace context. */
export function newTraceparent(): string {
  return `00-${randomId(16)}-${randomId(8)}-${SAMPLED}`;
}

/**
 * The traceparent of a next hop: same trace id and flags, new span id. An invalid or missing
 * parent starts a new trace rather than propagating garbage.
 */
export function childTraceparent(parent: string | undefined): string {
  const context = parseTraceparent(parent);
  if (!context) return newTraceparent();
  return `00-${context.traceId}-${randomId(8)}-${context.flags}`;
}
