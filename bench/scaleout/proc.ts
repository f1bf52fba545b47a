/**
 * CPU accounting from /proc for the scale-out pass: what each process of the pipeline (hubs, the
 * broker, PostgreSQL) and the whole machine spent over a pass. Linux only; clock ticks of 1/100 s.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK = 100;

/** Fields of /proc/<pid>/stat after the command name: [0] = state (field 3), so field n is [n - 3]. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // gone (or never there)
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** user + system CPU seconds of one process (all its threads) so far; undefined once it is gone. */
export function processCpu(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / TICK : undefined;
}

interface Proc {
  pid: number;
  ppid: number;
  cpu: number;
  /** CPU of children it has waited for (cutime + cstime): backends that ended, for a postmaster. */
  reapedCpu: number;
  cmdline: string;
}

function processesNamed(comm: string): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (readOr(`/proc/${pid}/comm`, '').trim() !== comm) continue;
    const f = statFields(pid);
    if (!f) continue;
    out.push({
      pid,
      ppid: Number(f[1]),
      cpu: (Number(f[11]) + Number(f[12])) / TICK,
      reapedCpu: (Number(f[13]) + Number(f[14])) / TICK,
      cmdline: readOr(`/proc/${pid}/cmdline`, '').replace(/\0/g, ' ').trim(),
    });
  }
  return out;
}

/**
 * A snapshot of the broker's and PostgreSQL's CPU. PostgreSQL is a tree of processes (the
 * postmaster forks one backend per connection): its total is every live postgres process plus the
 * CPU of those that ended, which the postmaster has reaped (its cutime + cstime). `database`
 * picks out the backends connected to one database (their title names it).
 */
export interface ServerSnapshot {
  brokerPid?: number;
  brokerCpu: number;
  pgTotal: number;
  pgBackends: Map<number, number>;
}

export function serverSnapshot(database: string): ServerSnapshot {
  const beam = processesNamed('beam.smp');
  const pg = processesNamed('postgres');
  const pgPids = new Set(pg.map((p) => p.pid));
  // The postmaster: the postgres process whose parent is not one.
  const roots = pg.filter((p) => !pgPids.has(p.ppid));
  const pgBackends = new Map<number, number>();
  for (const p of pg) if (p.cmdline.includes(` ${database} `)) pgBackends.set(p.pid, p.cpu);
  return {
    brokerPid: beam[0]?.pid,
    brokerCpu: beam.reduce((s, p) => s + p.cpu, 0),
    pgTotal: pg.reduce((s, p) => s + p.cpu, 0) + roots.reduce((s, p) => s + p.reapedCpu, 0),
    pgBackends,
  };
}

export interface ServerCpu {
  /** beam.smp (RabbitMQ), CPU seconds over the pass. */
  broker: number;
  /** Every PostgreSQL process, the ones that ended included (the whole server: others' work too). */
  postgres: number;
  /** The backends connected to the bench's database that were alive at the end (the hubs' pools). */
  postgresBench: number;
}

export function serverCpuBetween(a: ServerSnapshot, b: ServerSnapshot): ServerCpu {
  let bench = 0;
  for (const [pid, cpu] of b.pgBackends) bench += cpu - (a.pgBackends.get(pid) ?? 0);
  return {
    broker: b.brokerCpu - a.brokerCpu,
    postgres: b.pgTotal - a.pgTotal,
    postgresBench: bench,
  };
}

/** Whole-machine CPU time (all cores) from /proc/stat: busy and total, in seconds. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  // cpu user nice system idle iowait irq softirq steal (guest time is already in user).
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = v[3] + v[4];
  const total = v.reduce((s, x) => s + x, 0);
  return { busy: (total - idle) / TICK, total: total / TICK };
}
