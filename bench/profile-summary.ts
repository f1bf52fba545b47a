/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): self time by package (node_modules/<name>, the
 * hub's own code by top folder, node: internals) and the top functions. Idle and GC are shown
 * separately so "the CPU was idle" is visible.
 *
 *   node dist/bench/profile-summary.js <file.cpuprofile> [topN]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  idlePct: number;
  gcPct: number;
  byPackage: { name: string; pct: number }[];
  topFunctions: { name: string; pct: number }[];
}

function packageOf(url: string, fn: string): string {
  if (fn === '(idle)') return '(idle)';
  if (fn === '(garbage collector)') return '(gc)';
  if (fn === '(program)') return '(program)';
  if (url === '') return '(native/V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return 'node: internals';
  const own = /dist\/((?:apps|libs|connectors)\/[^/]+)/.exec(url);
  if (own) return own[1];
  return url;
}

export function summarize(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const pkg = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = (byId.get(id) as ProfileNode).callFrame;
    const p = packageOf(url, functionName);
    pkg.set(p, (pkg.get(p) ?? 0) + us);
    const short = url.replace(/^.*node_modules\//, '').replace(/^.*dist\//, '');
    const key = `${functionName || '(anonymous)'} ${short}${url ? `:${lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us: number) => Math.round((1000 * us) / total) / 10;
  const sorted = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, pct: pct(us) }));
  return {
    totalMs: Math.round(total / 1000),
    idlePct: pct(pkg.get('(idle)') ?? 0),
    gcPct: pct(pkg.get('(gc)') ?? 0),
    byPackage: sorted(pkg).slice(0, top),
    topFunctions: sorted(fns)
      .filter((f) => !f.name.startsWith('(idle)'))
      .slice(0, top),
  };
}

if (require.main === module) {
  const s = summarize(process.argv[2], Number(process.argv[3] ?? 20));
  console.log(`${s.totalMs} ms sampled; idle ${s.idlePct} %, GC ${s.gcPct} %`);
  console.log('self time by package:');
  for (const p of s.byPackage) console.log(`  ${String(p.pct).padStart(5)} %  ${p.name}`);
  console.log('top functions (self):');
  for (const f of s.topFunctions) console.log(`  ${String(f.pct).padStart(5)} %  ${f.name}`);
}
