import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The real Stripe dispute event, varied per message so every one is a distinct source fact. */
const DISPUTE = JSON.parse(
  readFileSync(
    join(__dirname, '../../../connectors/stripe/fixtures/charge.dispute.created.json'),
    'utf8',
  ),
) as {
  id: string;
  request: { id: string };
  data: { object: { id: string; charge: string; payment_intent: string } };
};

/** The correlation id that identifies message `seq` end to end (Stripe's request id → AMQP correlation-id). */
export const correlationFor = (run: string, seq: number): string => `req_${run}_${seq}`;

export function disputeEvent(run: string, seq: number): Buffer {
  const event = structuredClone(DISPUTE);
  event.id = `evt_${run}_${seq}`;
  event.request = { ...event.request, id: correlationFor(run, seq) };
  event.data.object.id = `du_${run}_${seq}`;
  // Each dispute is of its own charge, as in life: one shared charge would link every exception
  // of the run to every other (cross-domain links) and measure that instead of the pipeline.
  event.data.object.charge = `ch_${run}_${seq}`;
  event.data.object.payment_intent = `pi_${run}_${seq}`;
  return Buffer.from(JSON.stringify(event));
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Peak resident set size of a process, from the kernel (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/**
 * CPU seconds (user + system) a process has used so far, from the kernel (/proc/<pid>/stat, in
 * clock ticks of 1/100 s: USER_HZ on Linux). On a shared machine this is steadier than a rate:
 * other jobs slow a worker down, they do not make it use more CPU per event.
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime, stime = 14, 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
