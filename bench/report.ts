/**
 * Renders BENCHMARKS.md and the chart (docs/benchmarks.svg → .png with rsvg-convert) from
 * bench/results/*.json (git-ignored raw results), so a report can be regenerated without re-running anything:
 *   node dist/bench/report.js
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EndToEndResults } from './e2e/run';
import type { IngestResults } from './ingest/run';
import type { VariantResult } from './pipeline/run';
import type { ScaleoutPass, ScaleoutRun } from './scaleout/run';

/** The rows and the machine the report renders (measured by run-all.ts). */
export interface MappingRow {
  mapping: string;
  /** Expressions the compiled fast path took, e.g. "22/22". */
  compiled?: string;
  /** The same mapping with every expression interpreted by JSONata. */
  jsonataOnlyPerSecond?: number;
  /** Declarative payloads/s: the median of `perSecondRuns` when the bench ran more than once. */
  perSecond: number;
  /** The declarative rate of each process run (BENCH_REPEATS), when there were several. */
  perSecondRuns?: number[];
  handWrittenPerSecond?: number;
  sameOutput: string;
  /** Exceptions the bench payload maps to (a statement or status report: one per entry). */
  exceptionsPerPayload?: number;
}
export interface ScoringRow {
  mode: string;
  perSecond: number;
}
export interface Machine {
  at: string;
  nproc: number;
  cpu: string;
  memTotalMiB: number;
  memFreeMiB: number;
  free: string;
  node: string;
  rabbitmq: string;
  erlang: string;
  loadavgStart: number[];
  loadavgEnd?: number[];
  commit: string;
  dirty: boolean;
}

interface PipelineFile {
  at: string;
  events: number;
  rate: number;
  rateSeconds: number;
  backlog: number;
  runs: VariantResult[][];
}

function read<T>(dir: string, name: string): T | undefined {
  const file = join(dir, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

const fmt = (x: number, digits = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';

export function median(xs: number[]): number {
  const s = [...xs].filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** "412" for one run, "412 (380–450)" = median (min–max) for several. */
function cell(xs: number[], digits = 0): string {
  const v = xs.filter(Number.isFinite);
  if (v.length === 0) return '–';
  if (v.length === 1) return fmt(v[0], digits);
  return `${fmt(median(v), digits)} (${fmt(Math.min(...v), digits)}–${fmt(Math.max(...v), digits)})`;
}

const table = (header: string[], rows: string[][]) =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map((_h, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

function variants(p: PipelineFile, name: string): VariantResult[] {
  return p.runs.flatMap((run) => run.filter((v) => v.name === name));
}

/** Per-run ratio of a metric between two variants (same run), so ratios never mix runs. */
function ratios(
  p: PipelineFile,
  a: string,
  b: string,
  get: (v: VariantResult) => number,
): number[] {
  return p.runs.flatMap((run) => {
    const x = run.find((v) => v.name === a);
    const y = run.find((v) => v.name === b);
    return x && y ? [get(x) / get(y)] : [];
  });
}

function chart(p: PipelineFile): string {
  const names = ['bare', 'hub', 'nest'].filter((n) => variants(p, n).length > 0);
  const label: Record<string, string> = {
    bare: 'bare amqplib pipe',
    hub: 'Exception Hub',
    nest: 'stock NestJS RMQ',
  };
  const colour: Record<string, string> = { bare: '#8c8c8c', hub: '#2b6cb0', nest: '#d69e2e' };
  const tp = names.map((n) => median(variants(p, n).map((v) => v.throughput.perSecond)));
  const drain = names.map((n) => median(variants(p, n).map((v) => v.backlog?.perSecond ?? NaN)));
  const p99 = names.map((n) => median(variants(p, n).map((v) => v.atRate.p99Ms)));
  const W = 880;
  const H = 360;
  const panel = (
    x0: number,
    title: string,
    values: number[][],
    legends: string[],
    unit: string,
  ): string => {
    const pw = 380;
    const ph = 220;
    const y0 = 70;
    const max = Math.max(1, ...values.flat().filter(Number.isFinite)) * 1.15;
    const groupW = pw / names.length;
    const barW = (groupW - 20) / values.length;
    let s = `<text x="${x0 + pw / 2}" y="40" text-anchor="middle" font-size="15" font-weight="bold">${title}</text>`;
    s += `<line x1="${x0}" y1="${y0 + ph}" x2="${x0 + pw}" y2="${y0 + ph}" stroke="#333"/>`;
    names.forEach((n, gi) => {
      values.forEach((series, si) => {
        const v = series[gi];
        if (!Number.isFinite(v)) return;
        const h = (v / max) * ph;
        const x = x0 + gi * groupW + 10 + si * barW;
        const opacity = si === 0 ? 1 : 0.55;
        s += `<rect x="${x}" y="${y0 + ph - h}" width="${barW - 4}" height="${h}" fill="${colour[n]}" fill-opacity="${opacity}"/>`;
        s += `<text x="${x + (barW - 4) / 2}" y="${y0 + ph - h - 5}" text-anchor="middle" font-size="11">${fmt(v, unit === 'ms' ? 1 : 0)}</text>`;
      });
      s += `<text x="${x0 + gi * groupW + groupW / 2}" y="${y0 + ph + 18}" text-anchor="middle" font-size="12">${label[n]}</text>`;
    });
    legends.forEach((l, i) => {
      s += `<rect x="${x0 + i * 190}" y="${y0 + ph + 32}" width="12" height="12" fill="#555" fill-opacity="${i === 0 ? 1 : 0.55}"/>`;
      s += `<text x="${x0 + i * 190 + 18}" y="${y0 + ph + 42}" font-size="11">${l}</text>`;
    });
    return s;
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    panel(
      40,
      'Throughput (events/s, higher is better)',
      [tp, drain],
      ['flat out', `drain of ${fmt(p.backlog)} queued`],
      '/s',
    ),
    panel(
      480,
      `p99 ingest → downstream at ${fmt(p.rate)}/s offered (ms)`,
      [p99],
      ['p99 latency, lower is better'],
      'ms',
    ),
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle" font-size="10" fill="#666">median of ${p.runs.length} run(s), ${p.at.slice(0, 16)} UTC; shared 2-core machine, broker co-located — see BENCHMARKS.md</text>`,
    '</svg>',
  ].join('\n');
}

export function renderReport(resultsDir: string, root: string): string[] {
  const machine = read<Machine>(resultsDir, 'machine');
  const pipeline = read<PipelineFile>(resultsDir, 'pipeline');
  const ingest = read<{ at: string; runs: IngestResults[] }>(resultsDir, 'ingest');
  const mapping = read<{ at: string; rows: MappingRow[] }>(resultsDir, 'mapping');
  const scoring = read<{ at: string; rows: ScoringRow[] }>(resultsDir, 'scoring');
  const e2e = read<{ at: string; runs: EndToEndResults[] }>(resultsDir, 'e2e');
  const scaleout = read<{ at: string; backlog: number; runs: ScaleoutRun[] }>(
    resultsDir,
    'scaleout',
  );
  const written: string[] = [];
  const md: string[] = [];
  md.push('# Benchmarks');
  md.push('');
  md.push(
    'Generated by `npm run bench` (bench/run-all.ts → bench/report.ts) from `bench/results/*.json`; ' +
      'do not edit by hand. Every ratio is measured within one run; nothing here is a test assertion. ' +
      '**The machine is small and shared** (other jobs ran tests during these runs, see the load ' +
      'average): treat single numbers as ±30 %, and compare ratios rather than absolute values.',
  );
  md.push('');
  if (machine) {
    md.push('## Machine');
    md.push('');
    md.push(
      `- ${machine.nproc} CPUs (\`nproc\`), ${machine.cpu}; ${fmt(machine.memTotalMiB)} MiB RAM`,
    );
    md.push(
      `- Node ${machine.node}; RabbitMQ ${machine.rabbitmq} (Erlang/OTP ${machine.erlang}) on the same host, loopback (127.0.0.1)`,
    );
    md.push(
      `- load average at start ${machine.loadavgStart.join(' / ')}, at end ${machine.loadavgEnd?.join(' / ') ?? '?'} (1/5/15 min; 2.0 = both cores busy)`,
    );
    md.push(
      `- commit ${machine.commit}${machine.dirty ? ' + uncommitted changes' : ''}, run at ${machine.at.slice(0, 16)} UTC`,
    );
    md.push('');
    md.push('```');
    md.push(`$ free -m\n${machine.free}`);
    md.push('```');
    md.push('');
  }

  // ---- aims
  const hub = pipeline ? variants(pipeline, 'hub') : [];
  const ingress = ingest?.runs.flatMap((r) => r.runs.filter((x) => x.roles === 'ingress')) ?? [];
  const outages = ingest?.runs.flatMap((r) => (r.outage ? [r.outage] : [])) ?? [];
  if (pipeline || ingest) {
    const status = (ok: boolean | undefined) =>
      ok === undefined ? 'not measured' : ok ? '**met**' : '**not met**';
    const hubBare = pipeline ? ratios(pipeline, 'hub', 'bare', (v) => v.throughput.perSecond) : [];
    const hubNest = pipeline ? ratios(pipeline, 'hub', 'nest', (v) => v.throughput.perSecond) : [];
    const p99 = hub.map((v) => v.atRate.p99Ms);
    const achieved = hub.map((v) => v.atRate.perSecond);
    const rss = hub.map((v) => v.backlog?.peakRssMiB ?? NaN);
    const rps = ingress.map((r) => r.load.perSecond);
    const brokerCeiling = pipeline
      ? variants(pipeline, 'bare').map((v) => v.backlog?.publishPerSecond ?? NaN)
      : [];
    const ok = (xs: number[], pred: (x: number) => boolean) =>
      xs.length === 0 ? undefined : pred(median(xs));
    md.push('## Aims of issue 10 and where they stand');
    md.push('');
    md.push(
      table(
        [
          'aim (2-core machine, broker co-located)',
          'measured (median (min–max) over runs)',
          'status',
        ],
        [
          [
            'pipeline ≥ 70 % of the bare amqplib pipe',
            `hub ÷ bare = ${cell(hubBare.map((x) => x * 100))} %`,
            status(ok(hubBare, (x) => x >= 0.7)),
          ],
          [
            'pipeline ≥ 2× stock NestJS',
            `hub ÷ stock Nest = ${cell(hubNest, 2)}×`,
            status(ok(hubNest, (x) => x >= 2)),
          ],
          [
            'ingest ≥ 5,000 signed requests/s',
            `${cell(rps)} req/s (ingress role only); the broker's own ceiling for confirmed publishes to exhub.ingress ` +
              `from one client with 256 in flight: ${cell(brokerCeiling)}/s`,
            status(ok(rps, (x) => x >= 5000)),
          ],
          [
            `p99 ingest → downstream ≤ 25 ms at ${fmt(pipeline?.rate ?? 1000)} events/s`,
            `p99 ${cell(p99)} ms; the hub sustained ${cell(achieved)} of ${fmt(pipeline?.rate ?? 1000)} events/s offered, ` +
              `so this is mostly queueing (at ${fmt(hub[0]?.atLowRate?.rate ?? NaN)}/s: p99 ${cell(hub.map((v) => v.atLowRate?.p99Ms ?? NaN))} ms)`,
            status(ok(p99, (x) => x <= 25)),
          ],
          [
            'RSS ≤ 300 MB with 10,000 in flight',
            `peak RSS ${cell(rss, 1)} MiB (${fmt(pipeline?.backlog ?? 0)} queued, then drained)`,
            status(ok(rss, (x) => x * 1.048576 <= 300)),
          ],
          [
            'memory bounded during a broker outage under load',
            outages.length
              ? `RSS ${cell(outages.map((o) => o.rssMiB.before))} MiB before, max ${cell(outages.map((o) => o.rssMiB.duringMax))} during, max ${cell(outages.map((o) => o.rssMiB.afterMax))} after; ${cell(outages.map((o) => o.status['503'] ?? 0))} × 503`
              : '–',
            outages.length
              ? status(outages.every((o) => o.rssMiB.duringMax < o.rssMiB.before + 100))
              : 'not measured',
          ],
        ],
      ),
    );
    md.push('');
  }

  // ---- the aims of issue 17, each from this run's own figures
  if (pipeline || ingest || e2e || mapping || scaleout) {
    const status = (ok: boolean | undefined) =>
      ok === undefined ? 'not measured' : ok ? '**met**' : '**not met**';
    const ok = (xs: number[], pred: (x: number) => boolean) =>
      xs.filter((x) => Number.isFinite(x)).length === 0 ? undefined : pred(median(xs));
    const by = (
      num: string,
      den: string,
      value: (v: VariantResult) => number | undefined,
    ): number[] => (pipeline ? ratios(pipeline, num, den, (v) => value(v) ?? NaN) : []);
    const flatBare = by('hub', 'bare', (v) => v.throughput.perSecond);
    const drainBare = by('hub', 'bare', (v) => v.backlog?.perSecond);
    const flatNest = by('hub', 'nest', (v) => v.throughput.perSecond);
    const drainNest = by('hub', 'nest', (v) => v.backlog?.perSecond);
    const ingestRuns = ingest?.runs ?? [];
    const rolesRate = (roles: string) =>
      ingestRuns.map((r) => r.runs.find((x) => x.roles === roles)?.load.perSecond ?? NaN);
    const ingressRps = rolesRate('ingress');
    const allRps = rolesRate('all');
    const ceiling = pipeline
      ? variants(pipeline, 'bare').map((v) => v.backlog?.publishPerSecond ?? NaN)
      : [];
    const ingestCeiling = ingressRps.map((x, i) => x / (ceiling[i] ?? ceiling[0] ?? NaN));
    const allOverIngress = allRps.map((x, i) => x / ingressRps[i]);
    const e2eRuns = e2e?.runs ?? [];
    const e2eOf = (variant: string, mode: string) =>
      e2eRuns.map((r) => r.runs.find((x) => x.variant === variant && x.mode === mode));
    const e2eFlat = e2eOf('hub', 'flat').map(
      (h, i) => (h?.perSecond ?? NaN) / (e2eOf('reference', 'flat')[i]?.perSecond ?? NaN),
    );
    const e2eP99 = e2eOf('hub', 'paced').map((h) => h?.p99Ms ?? NaN);
    const mappings = mapping?.rows ?? [];
    const slow = mappings.filter((m) => m.perSecond < 20_000);
    const rss = pipeline ? variants(pipeline, 'hub').map((v) => v.backlog?.peakRssMiB ?? NaN) : [];
    const scaleRuns = scaleout?.runs ?? [];
    const twoOverOne = scaleRuns.map(scaleRatio);
    const drainOf = (hubs: number) =>
      scaleRuns.map(
        (r) =>
          r.passes.find((p) => p.hubs === hubs && (p.build ?? 'dist') === 'dist')?.perSecond ?? NaN,
      );
    md.push('## Aims of issue 17 and where they stand');
    md.push('');
    md.push(
      table(
        ['aim', 'measured in this run (median (min–max))', 'status'],
        [
          [
            'end to end as shipped ≥ 0.5× the hand-written one-process pipe (aim 0.7)',
            `hub ÷ pipe = ${cell(e2eFlat, 2)} (bench/e2e, flat out)`,
            status(ok(e2eFlat, (x) => x >= 0.5)),
          ],
          [
            'p99 at 200 events/s ≤ 50 ms, as shipped',
            `${cell(e2eP99, 1)} ms (bench/e2e, paced)`,
            status(ok(e2eP99, (x) => x <= 50)),
          ],
          [
            'worker ≥ 0.5× the bare pipe, flat out and draining a backlog',
            `hub ÷ bare = ${cell(flatBare, 2)} flat out, ${cell(drainBare, 2)} draining`,
            status(
              ok(
                [...flatBare, ...drainBare],
                () => Math.min(median(flatBare), median(drainBare)) >= 0.5,
              ),
            ),
          ],
          [
            'worker ≥ 1.0× stock NestJS RMQ',
            `hub ÷ stock Nest = ${cell(flatNest, 2)} flat out, ${cell(drainNest, 2)} draining`,
            status(
              ok(
                [...flatNest, ...drainNest],
                () => Math.min(median(flatNest), median(drainNest)) >= 1,
              ),
            ),
          ],
          [
            "ingest (ingress role) ≥ 0.5× the broker's confirmed-publish ceiling",
            `${cell(ingressRps)} req/s ÷ ${cell(ceiling)}/s = ${cell(ingestCeiling, 2)}`,
            status(ok(ingestCeiling, (x) => x >= 0.5)),
          ],
          [
            'ingest with all roles busy ≥ 0.7× the ingress-only figure',
            `${cell(allRps)} ÷ ${cell(ingressRps)} req/s = ${cell(allOverIngress, 2)}`,
            status(ok(allOverIngress, (x) => x >= 0.7)),
          ],
          [
            'every shipped mapping ≥ 20,000 payloads/s/core',
            mappings.length
              ? `${mappings.length - slow.length} of ${mappings.length} at or above; under it: ${slow.map((m) => `${m.mapping} ${m.perSecondRuns ? cell(m.perSecondRuns) : fmt(m.perSecond)}/s`).join(', ') || 'none'} (why: the mapping section below)`
              : '–',
            mappings.length ? status(slow.length === 0) : 'not measured',
          ],
          [
            'peak RSS ≤ 300 MiB with 10,000 in flight',
            `${cell(rss, 1)} MiB (bench/pipeline backlog pass)`,
            status(ok(rss, (x) => x <= 300)),
          ],
          [
            'scale-out: two hubs on PostgreSQL drain faster than one',
            scaleRuns.length
              ? `two ÷ one = ${cell(twoOverOne, 2)} (${cell(drainOf(2))} ÷ ${cell(drainOf(1))} events/s draining ` +
                `${fmt(scaleout?.backlog ?? NaN)}; bench/scaleout, what limits it: below)`
              : '–',
            status(ok(twoOverOne, (x) => x > 1)),
          ],
        ],
      ),
    );
    md.push('');
  }

  if (pipeline) {
    md.push('## End-to-end pipeline (bench/pipeline)');
    md.push('');
    md.push(
      `Stripe \`charge.dispute.created\` events (${fmt(pipeline.runs[0]?.[0]?.messageBytes ?? 0)} bytes), each a distinct source fact, ` +
        'published to `exhub.ingress` with confirms; latency = publish → arrival on a queue bound to `exhub.exceptions` ' +
        '(stock Nest: its out queue). Each worker is its own process. **bare** = amqplib consume → publish with confirm → ack, ' +
        'nothing else (the limit); **hub** = the built hub, `EXHUB_ROLES=pipeline`, log level info as shipped; ' +
        '**stock Nest** = `ClientProxy.emit` + `@EventPattern` over `Transport.RMQ`, prefetch 32 like each of the two consumer channels of the hub, otherwise its defaults: ' +
        'publisher confirms (amqp-connection-manager) but **non-persistent** messages into classic queues, one hop in and one out — ' +
        "cheaper for the broker than the hub's persistent publishes into a stream plus quorum queues, which bare shares with the hub. " +
        `Passes: *backlog* — ${fmt(pipeline.backlog)} events queued before the worker starts, then drained ` +
        '(rate from first to last arrival; the peak RSS with that many in flight); *flat out* — ' +
        `${fmt(pipeline.events)} events with up to 256 unconfirmed; *at rate* — ${fmt(pipeline.rate)}/s offered for ${pipeline.rateSeconds} s, ` +
        'then a lower rate for as long, where every variant keeps up. ' +
        `Cells: median (min–max) over ${pipeline.runs.length} run(s).`,
    );
    md.push('');
    const rows = ['bare', 'hub', 'nest']
      .map((n) => ({ n, vs: variants(pipeline, n) }))
      .filter(({ vs }) => vs.length > 0)
      .map(({ n, vs }) => [
        n === 'nest' ? 'stock Nest' : n,
        cell(vs.map((v) => v.throughput.perSecond)),
        cell(vs.map((v) => v.backlog?.perSecond ?? NaN)),
        cell(vs.map((v) => v.backlog?.publishPerSecond ?? NaN)),
        cell(vs.map((v) => v.atRate.perSecond)),
        cell(
          vs.map((v) => v.atRate.p50Ms),
          1,
        ),
        cell(
          vs.map((v) => v.atRate.p99Ms),
          1,
        ),
        `${cell(
          vs.map((v) => v.atLowRate?.p50Ms ?? NaN),
          1,
        )} / ${cell(
          vs.map((v) => v.atLowRate?.p99Ms ?? NaN),
          1,
        )}`,
        cell(
          vs.map((v) => v.backlog?.peakRssMiB ?? NaN),
          1,
        ),
        cell(
          vs.map((v) => v.peakRssMiB),
          1,
        ),
      ]);
    md.push(
      table(
        [
          'variant',
          'flat out /s',
          `drain of ${fmt(pipeline.backlog)} /s`,
          'producer: confirmed publishes /s while queueing',
          `sustained at ${fmt(pipeline.rate)}/s offered`,
          'p50 ms at rate',
          'p99 ms at rate',
          `p50 / p99 ms at ${fmt(pipeline.runs[0]?.[0]?.atLowRate?.rate ?? NaN)}/s`,
          `peak RSS MiB, ${fmt(pipeline.backlog)} in flight`,
          'peak RSS MiB, whole run',
        ],
        rows,
      ),
    );
    md.push('');
    const r = (a: string, b: string, get: (v: VariantResult) => number) =>
      cell(ratios(pipeline, a, b, get), 2);
    md.push(
      table(
        ['ratio (same run)', 'flat out', 'backlog drain'],
        [
          [
            'hub ÷ bare',
            r('hub', 'bare', (v) => v.throughput.perSecond),
            r('hub', 'bare', (v) => v.backlog?.perSecond ?? NaN),
          ],
          [
            'hub ÷ stock Nest',
            r('hub', 'nest', (v) => v.throughput.perSecond),
            r('hub', 'nest', (v) => v.backlog?.perSecond ?? NaN),
          ],
        ],
      ),
    );
    md.push('');
    const stages = hub.flatMap((v) => (v.stageMeanMs ? [v.stageMeanMs] : []));
    if (stages.length) {
      const names = Object.keys(stages[0]);
      md.push(
        'Hub, mean wall-clock time per stage over the whole run (`exhub_stage_duration_seconds` sum ÷ count from its `/metrics`; ' +
          'map includes waiting for the one-at-a-time mapping queue, publish includes the confirm round trip):',
      );
      md.push('');
      md.push(
        table(
          ['stage', ...names],
          [
            [
              'ms',
              ...names.map((s) =>
                cell(
                  stages.map((x) => x[s]),
                  2,
                ),
              ),
            ],
          ],
        ),
      );
      md.push('');
    }
    md.push('![pipeline chart](docs/benchmarks.png)');
    md.push('');
    const svg = chart(pipeline);
    // docs/, not bench/results/ (git-ignored raw results): the chart is committed with this file.
    const svgFile = join(root, 'docs/benchmarks.svg');
    writeFileSync(svgFile, svg);
    written.push(svgFile);
    try {
      execFileSync('rsvg-convert', ['-o', join(root, 'docs/benchmarks.png'), svgFile]);
      written.push(join(root, 'docs/benchmarks.png'));
    } catch {
      md.push(
        '_(rsvg-convert not installed: only docs/benchmarks.svg was written; `apt-get install librsvg2-bin`)_',
      );
      md.push('');
    }
  }

  if (ingest) {
    md.push('## Webhook ingest (bench/ingest)');
    md.push('');
    md.push(
      '`POST /v1/ingest/stripe` on the built hub (own process, own topology prefix) driven by autocannon 9 from a second ' +
        'process on loopback; every request is a distinct Stripe event with its own `Stripe-Signature` ' +
        '(HMAC-SHA256 over `t.body`, computed per request). A `202` means verified, parsed, deduplicated and confirmed by the broker. ' +
        `${ingress[0]?.load.durationSeconds ?? '?'} s, ${ingress[0]?.connections ?? '?'} connections, after a 1 s warm-up. ` +
        'Hub CPU = user + system CPU of the hub process (all its threads, from /proc) during the load ÷ its 2xx answers: ' +
        'steadier than the rate on a shared machine; with all roles it includes the pipeline draining the same events. ' +
        'With all roles the pipeline yields to the webhooks while they saturate HTTP (`EXHUB_INGRESS_FIRST`, default 8 in flight on a ' +
        'loop busy half the time; each batch held at most 250 ms): it drains what it can meanwhile (last column) and the rest after.',
    );
    md.push('');
    const rows = ['ingress', 'all'].flatMap((roles) => {
      const rs = ingest.runs.flatMap((r) => r.runs.filter((x) => x.roles === roles));
      if (rs.length === 0) return [];
      return [
        [
          `EXHUB_ROLES=${roles}`,
          cell(rs.map((x) => x.load.perSecond)),
          cell(rs.map((x) => x.load.p50Ms)),
          cell(rs.map((x) => x.load.p99Ms)),
          cell(rs.map((x) => x.load.non2xx)),
          cell(rs.map((x) => x.load.errors + x.load.timeouts)),
          cell(
            rs.map((x) => x.hubPeakRssMiB),
            1,
          ),
          cell(
            rs.map((x) => x.hubCpuMsPerRequest ?? NaN),
            2,
          ),
          roles === 'all' ? cell(rs.map((x) => x.pipelinePublished ?? NaN)) : '–',
        ],
      ];
    });
    md.push(
      table(
        [
          'hub roles',
          'requests/s',
          'p50 ms',
          'p99 ms',
          'non-2xx',
          'socket errors',
          'hub peak RSS MiB',
          'hub CPU ms per 202',
          'exceptions published meanwhile',
        ],
        rows,
      ),
    );
    md.push('');
    if (outages.length) {
      const o = outages[0];
      md.push('### Broker memory alarm under load');
      md.push('');
      md.push(
        `Ingress-only hub under ${fmt(o.rate)} signed requests/s; after ~4 s the broker's memory high watermark is lowered ` +
          `(\`rabbitmqctl set_vm_memory_high_watermark 0.000001\`) and restored exactly to the value read before (${o.previousWatermark}) ` +
          'in a finally — RabbitMQ itself is never stopped (the broker is shared). The hub RSS is sampled every 100 ms from /proc.',
      );
      md.push('');
      md.push(
        table(
          [
            'alarm window (set → restored), ms',
            '202',
            '503',
            'first–last 503 (ms into the load)',
            'RSS before MiB',
            'max during',
            'max after',
            'at end',
            'p99 ms',
          ],
          outages.map((x) => [
            fmt(x.alarmWindowMs),
            fmt(x.status['202'] ?? 0),
            fmt(x.status['503'] ?? 0),
            `${fmt(x.first503Ms ?? NaN)}–${fmt(x.last503Ms ?? NaN)}`,
            fmt(x.rssMiB.before),
            fmt(x.rssMiB.duringMax),
            fmt(x.rssMiB.afterMax),
            fmt(x.rssMiB.afterEnd),
            fmt(x.load.p99Ms),
          ]),
        ),
      );
      md.push('');
      md.push(
        'While blocked the hub answers `503` + `Retry-After` at once (the publisher fails fast instead of buffering), so memory stays flat; ' +
          'any other status in this run is listed in bench/results/ingest.json.',
      );
      md.push('');
    }
  }

  if (e2e && e2e.runs.length > 0) {
    md.push('## End to end as shipped (bench/e2e, issue 17)');
    md.push('');
    md.push(
      `The hub with all roles in one process (the pipeline worker in a worker thread of its own, ` +
        `EXHUB_WORKER_THREAD as set in the environment, default on; webhooks first while they saturate HTTP, ` +
        `EXHUB_INGRESS_FIRST) and the embedded SQLite store, ` +
        `against a hand-written ` +
        `one-process pipe doing the same hops (verify the signature, confirmed persistent publish to ` +
        `a stream and a quorum queue, consume, confirmed publish of an exception, ack), under the ` +
        `same load: ${fmt(e2e.runs[0].events)} signed Stripe webhooks with ` +
        `${e2e.runs[0].concurrency} in flight (flat out), and ${e2e.runs[0].rate} events/s paced. ` +
        `Counted: exceptions arriving on a queue bound to the exceptions exchange.`,
    );
    md.push('');
    const pick = (variant: string, mode: string) =>
      e2e.runs.flatMap((r) => r.runs.filter((x) => x.variant === variant && x.mode === mode));
    const rows: string[][] = [];
    for (const mode of ['flat', 'paced']) {
      for (const variant of ['reference', 'hub']) {
        const rs = pick(variant, mode);
        rows.push([
          mode === 'flat' ? 'flat out' : `paced ${e2e.runs[0].rate}/s`,
          variant === 'hub' ? 'hub as shipped' : 'hand-written pipe',
          cell(rs.map((r) => r.perSecond)),
          cell(
            rs.map((r) => r.p50Ms),
            1,
          ),
          cell(
            rs.map((r) => r.p99Ms),
            1,
          ),
          rs.map((r) => `${r.arrived}/${r.events}`).join(', '),
          cell(rs.map((r) => r.peakRssMiB)),
        ]);
      }
    }
    md.push(
      table(
        ['load', 'variant', 'exceptions/s', 'p50 ms', 'p99 ms', 'arrived', 'peak RSS MiB'],
        rows,
      ),
    );
    md.push('');
    const flatRatio = e2e.runs.map((r) => {
      const hubRun = r.runs.find((x) => x.variant === 'hub' && x.mode === 'flat');
      const ref = r.runs.find((x) => x.variant === 'reference' && x.mode === 'flat');
      return hubRun && ref ? hubRun.perSecond / ref.perSecond : NaN;
    });
    const pacedP99 = pick('hub', 'paced').map((r) => r.p99Ms);
    md.push(
      `Aims: hub ÷ hand-written pipe flat out ≥ 0.5 (aim 0.7): ${cell(flatRatio, 2)} — ` +
        `${median(flatRatio) >= 0.5 ? '**met**' : '**not met**'}; p99 at ` +
        `${e2e.runs[0].rate}/s ≤ 50 ms: ${cell(pacedP99, 1)} ms — ` +
        `${median(pacedP99) <= 50 ? '**met**' : '**not met**'}.`,
    );
    md.push('');
  }

  if (scaleout && scaleout.runs.length > 0) renderScaleout(md, scaleout);

  if (mapping) {
    md.push('## Mapping throughput, one core (bench/mapping.bench.ts)');
    md.push('');
    md.push(
      'Declarative = as the hub runs it: the compiled fast path (libs/mapping/src/fast-path.ts) for ' +
        'the expressions it covers, JSONata for the rest; "JSONata only" = every expression interpreted ' +
        'by JSONata. A camt.053 or camt.054 payload is a whole statement or notification, a pain.002 a ' +
        'whole status report: its figure is per document, and the last two columns give what the ' +
        'document maps to and the same rate per exception (per entry). Each cell is 1 s of calls ' +
        '(BENCH_SECONDS) after a warm-up of at least 500 calls and 500 ms (BENCH_WARMUP_MS): the ' +
        'steady state a hub reaches within its first second of traffic. Until the twelfth session the ' +
        'warm-up was 500 calls only, and V8 was still optimising inside the measured second, so the ' +
        'slowest mappings landed anywhere between their interpreted and optimised rates (camt.054 ' +
        'breaks, same build, load 1.5: 14,216 and 16,276/s that way, 23,865 and 24,877/s after 500 ms). ' +
        'The rate is the median of five equal windows of the measured second, so a short stall of ' +
        'the shared host moves one window, not the figure. The bench runs in BENCH_REPEATS processes, ' +
        'one after another; the declarative column is the median (min–max) of them, the other columns ' +
        'medians. One process is not enough: with the same build, the ISO 20022 break mappings ran ' +
        'at about 15,700/s in some processes and 23,000–26,000/s in others (camt.053 and camt.054 ' +
        'slow or fast together, CPU per payload 56–66 µs against 43–45 µs, on a quiet host). In ' +
        "the twelfth session that looked like the timing of V8's background optimisation (camt.053 " +
        'breaks alone, ten processes each: slow in 3 of 10 as shipped, 0 of 10 with `node ' +
        '--no-concurrent-recompilation`, 0 of 10 pinned to one CPU). The thirteenth session did not ' +
        'reproduce it (2026-12-07, load 1.3–2.8): six processes as shipped ran 13,810–24,005/s (43–77 ' +
        'µs of CPU per payload), four with that flag 11,446–17,925/s; and a CPU profile of only the ' +
        'measured window (`node:inspector`, 2 s after 1.5 s of warm-up) of the fastest and the slowest ' +
        'of eight processes (59.6 and 82.0 µs per payload under the profiler) had the same functions ' +
        'in the same order, each within two points of its share: the slower process ran the same ' +
        'code more slowly throughout, which is what a busy ' +
        'neighbour on the shared cores does, not a different optimisation of one function. So the ' +
        'spread is reported as it is (median and range over BENCH_REPEATS processes), not explained ' +
        'away.',
    );
    md.push('');
    md.push(
      table(
        [
          'mapping',
          'compiled expressions',
          'JSONata only /s',
          'declarative /s',
          'hand-written TypeScript /s',
          'same output',
          'exceptions per payload',
          'declarative exceptions /s',
        ],
        mapping.rows.map((r) => [
          r.mapping,
          r.compiled ?? '–',
          r.jsonataOnlyPerSecond ? fmt(r.jsonataOnlyPerSecond) : '–',
          r.perSecondRuns ? cell(r.perSecondRuns) : fmt(r.perSecond),
          r.handWrittenPerSecond ? fmt(r.handWrittenPerSecond) : '–',
          r.sameOutput,
          r.exceptionsPerPayload === undefined ? '–' : String(r.exceptionsPerPayload),
          r.exceptionsPerPayload ? fmt(r.perSecond * r.exceptionsPerPayload) : '–',
        ]),
      ),
    );
    md.push('');
    const under = mapping.rows.filter((r) => r.perSecond < MAPPING_AIM_PER_SECOND);
    if (under.length > 0) {
      md.push(
        `**Under ${fmt(MAPPING_AIM_PER_SECOND)} payloads/s (issue #17's aim):** ` +
          `${under
            .map(
              (r) =>
                `${r.mapping} (${r.perSecondRuns ? cell(r.perSecondRuns) : fmt(r.perSecond)}/s` +
                (r.exceptionsPerPayload && r.exceptionsPerPayload > 1
                  ? `; ${r.exceptionsPerPayload} exceptions each, ${fmt(r.perSecond * r.exceptionsPerPayload)} exceptions/s)`
                  : ')'),
            )
            .join(', ')}. ` +
          MAPPING_UNDER_AIM,
      );
      md.push('');
    }
  }
  if (scoring) {
    md.push('## Scoring throughput, one core (bench/scoring.bench.ts)');
    md.push('');
    md.push(
      table(
        ['learned model mode', 'exceptions scored /s'],
        scoring.rows.map((r) => [r.mode, fmt(r.perSecond)]),
      ),
    );
    md.push('');
  }

  md.push(CONSOLE_NOTES);
  md.push('');
  md.push(PROFILE_NOTES);
  md.push('');
  md.push(REPRODUCE);
  const file = join(root, 'BENCHMARKS.md');
  writeFileSync(file, `${md.join('\n')}\n`);
  // `npm run lint` checks every Markdown file with Prettier: write it the way Prettier would.
  try {
    execFileSync(join(root, 'node_modules/.bin/prettier'), ['--write', file], { stdio: 'ignore' });
  } catch {
    // Prettier missing: the file is still valid Markdown.
  }
  written.push(file);
  return written;
}

/** Drain rate with two hubs ÷ with one, within one run (of the hub as built, not an A/B's reference). */
function scaleRatio(run: ScaleoutRun): number {
  const built = (p: ScaleoutPass) => (p.build ?? 'dist') === 'dist';
  const one = run.passes.find((p) => p.hubs === 1 && built(p));
  const two = run.passes.find((p) => p.hubs === 2 && built(p));
  return one && two ? two.perSecond / one.perSecond : NaN;
}

/** Mean backends of the bench's database waiting for a lock (any `Lock:` wait event). */
const lockWaiters = (p: ScaleoutPass) =>
  Object.entries(p.pgActivity)
    .filter(([k]) => k.includes('waiting on Lock:'))
    .reduce((s, [, v]) => s + v, 0);

function renderScaleout(
  md: string[],
  scaleout: { at: string; backlog: number; runs: ScaleoutRun[] },
): void {
  md.push('## Scale-out on PostgreSQL (bench/scaleout, issue 17)');
  md.push('');
  md.push(
    `${fmt(scaleout.backlog)} distinct Stripe dispute events are queued on \`exhub.work\` (published to ` +
      '`exhub.ingress` with confirms) before any hub starts; then one built hub (`EXHUB_ROLES=pipeline`, the ' +
      'store on a fresh PostgreSQL database, migrated beforehand) drains them, and in a second pass two such ' +
      'processes, started side by side on the same queue and database. Drain rate = arrivals on a queue bound ' +
      'to `exhub.exceptions`, first → last. CPU seconds (user + system, from /proc) over the drain, from the ' +
      'first hub ready to the last arrival: each hub, RabbitMQ (`beam.smp`, which also serves anyone else ' +
      'using the broker), PostgreSQL (the whole server; in brackets the backends of the bench database) and the ' +
      'machine (busy of available = 2 cores × wall time; "others" = busy minus everything named here, i.e. ' +
      "other people's jobs). Lock waiters = backends of the bench database waiting for a lock, on average " +
      '(pg_stat_activity every 250 ms). After each pass the bench checks one exception per event and a ' +
      'verifiable audit chain.',
  );
  md.push('');
  const rows: string[][] = [];
  scaleout.runs.forEach((run, i) => {
    for (const p of run.passes) {
      const c = p.cpu;
      const named = c.hubs.reduce((s, x) => s + x, 0) + c.broker + c.postgres + c.bench;
      rows.push([
        `${i + 1}`,
        `${p.hubs}${(p.build ?? 'dist') === 'dist' ? '' : ` (${p.build})`}`,
        `${fmt(p.perSecond)} (${fmt(p.middlePerSecond)})`,
        c.hubs.map((x) => fmt(x, 1)).join(' + '),
        fmt(c.broker, 1),
        `${fmt(c.postgres, 1)} (${fmt(c.postgresBench, 1)})`,
        `${fmt((100 * c.machineBusy) / c.machineTotal)} %`,
        fmt(c.machineBusy - named, 1),
        p.batches.map((b) => fmt(b.meanDeliveries, 1)).join(' / '),
        fmt(lockWaiters(p), 1),
        `${p.check.exceptions === p.events && p.check.auditOk ? 'yes' : '**no**'}`,
        p.loadavg.start[0] !== undefined
          ? `${fmt(p.loadavg.start[0], 1)}–${fmt(p.loadavg.end[0], 1)}`
          : '–',
      ]);
    }
  });
  md.push(
    table(
      [
        'run',
        'hubs',
        'drain /s (10th–90th pct)',
        'CPU s, hubs',
        'RabbitMQ',
        'PostgreSQL (bench db)',
        'machine busy',
        'others CPU s',
        'deliveries per group commit',
        'lock waiters',
        'all stored, audit verifies',
        'load (1 min)',
      ],
      rows,
    ),
  );
  md.push('');
  md.push(
    `Two ÷ one, per run: ${scaleout.runs.map((r) => fmt(scaleRatio(r), 2)).join(', ')} (median ${fmt(median(scaleout.runs.map(scaleRatio)), 2)}).`,
  );
  md.push('');
  md.push(SCALEOUT_LIMITS);
  md.push('');
}

/** What limits the scale-out pass (hand-run diagnosis; re-check with the commands given). */
const SCALEOUT_LIMITS = `**What limits it, and what changed** (diagnosed by hand; the figures are those days', not
regenerated):

- **Group commits side by side (found and changed in the twelfth session, 2026-12-07 evening, load
  1.4–4.0).** Each consumer micro-batch's group commit ran in a transaction of its own, side by side
  with the others that were ready. On PostgreSQL they all met at the audit chain's head row (below).
  Sampled in this pass before the change: one hub had ~4 of its 10 pooled connections *idle in
  transaction*; two hubs had 14 of their 20 idle in transaction and 2.4 waiting on the head's lock.
  Batches shrank to 7 deliveries with two hubs (9 with one), and the bench database's backends
  used 1.0 ms of CPU per event with two hubs against 0.7 ms with one. Two ÷ one was 0.83–0.96.
  **Changed:** the worker runs one group-commit transaction at a time; the group commits that become
  ready meanwhile wait and go into the next transaction together, up to 256 exceptions
  (\`libs/store/src/commit-queue.ts\`; a failed merged transaction writes each one again on its
  own). A/B of the builds in one run, twice, the second in reverse order (\`SCALEOUT_BUILDS\`):
  - two hubs: 676 → 949/s and 570 → 1,220/s;
  - one hub: 701 → 828/s and 1,059 → 969/s;
  - two ÷ one: 0.96 → 1.15 and 0.54 → 1.26;
  - deliveries per transaction with two hubs: 7 → 18–20, idle in transaction 14 → 1.7, lock
    waiters 2.4 → 0.03, the bench database's backends 10.0 → 4.7 CPU s for 10,000 events.
  On SQLite (\`bench/e2e\`, \`bench/pipeline\`) it changed nothing measurable: there the
  transactions already waited for one another at the write lock.
- **Named statements on PostgreSQL (same session).** Kysely's driver sent every query unnamed, so
  PostgreSQL parsed and planned each again. Each statement text with parameters is now prepared once
  per connection (\`libs/store/src/pg-named-statements.ts\`). One hub, alternated: the bench
  database's backends used 7.57 / 7.71 → 6.98 / 6.12 CPU s for 10,000 events.
- **CPU.** The two cores are shared by the hubs, RabbitMQ, PostgreSQL and this load tool: the
  machine was 79–85 % busy with one hub and 94–96 % with two in these passes. A second process
  brings no core of its own here. Before the change above, each process's fixed costs and the
  smaller batches made two hubs use more CPU per event than one, so two ÷ one stayed below 1.
- **The audit chain's head row.** Every write transaction of every process bumps the single
  \`audit_head\` row and holds its row lock until it commits (libs/store README, "Audit"). The part
  of each write from the bump to the commit runs one at a time across all processes, whatever the
  cores. No serialisation failures, rollbacks or deadlocks (0 in every pass): the chain serialises
  the writers, it does not make them fail. Earlier changes (tenth session): on PostgreSQL a
  transaction holds the head only for the bump, one statement that inserts the entries and sets the
  head's hash (a data-modifying \`WITH\`), and the commit; and each process lets at most two of its
  transactions at the lock (\`audit-head-queue.ts\`). Under load 12–22 those took the bench
  database's CPU per event with two hubs from 5.2–6.0 to 2.9–3.9 ms and the waiters from 16 to 2.6.
- **What would lift it further** (not done): cores for the second process; fewer round trips per
  transaction (about ten statements each: the key look-ups and inserts, the head's bump, the
  audit entries, the exceptions and their versions); or (a design change) an audit chain that does
  not make every writer of every process wait for one row.

Reproduce the lock sampling while \`npm run bench:scaleout\` runs:
\`psql -c "select a.query, b.query, b.state from pg_stat_activity a join pg_stat_activity b on b.pid =
(pg_blocking_pids(a.pid))[1] where a.datname = 'exhub_bench_scaleout'"\`. An A/B of two builds in
one run: copy a build to \`dist-a/\`, then \`SCALEOUT_BUILDS=dist-a,dist npm run bench:scaleout\`.`;

/** Issue #17: every shipped mapping maps at least this many payloads per second on one core. */
const MAPPING_AIM_PER_SECOND = 20_000;

/** Why a mapping stays under the aim although the fast path compiles all its expressions. */
const MAPPING_UNDER_AIM =
  'The fast path compiles every expression of every shipped mapping (anything it cannot answer ' +
  'to the letter at run time goes to JSONata and is counted in ' +
  '`exhub_mapping_evaluations_total{path="jsonata"}`), so none of them is held back by JSONata any ' +
  'more. The ISO 20022 mappings are the ones left near or under the aim because each payload is a ' +
  'whole report that maps to several exceptions (two in the bench fixture: the last two columns), ' +
  'and their `each` walks every entry (keys, `$zip`, the `#$t` tuple stream, remittance checks) ' +
  'before any field runs; per exception they map at about 30,000–40,000/s on one core, and their ' +
  'cost per entry of a 1,000-entry statement is in libs/mapping/README.md ("Cost per entry"). Two ' +
  'rounds of work on the engine in the eighth session (integer date formatting, amounts already in minor ' +
  'units kept, frameless blocks, array constructors in place, member paths that carry on through ' +
  'arrays, and more: git log -- libs/mapping) took 30–45 % off every mapping and 20 % more off ' +
  'these. A third round in the eleventh session, from a profile of camt.053 alone (its `each` about ' +
  "40 %, the fields' bookkeeping 17 %, `summary` 20 %): `$toUtc` read digit by digit (1.6 → 0.57 µs " +
  'a call), regex `$replace` and `$contains` without match objects, block variables in fixed slots, ' +
  'object constructors with fast properties (a null-prototype object never has them: 660 → 95 ns ' +
  'for nine keys), and a per-item memo of the pure calls the fields repeat (`$ccyAmount` of the ' +
  'same amount three times, the return reason looked up for title, summary and reason: 2–3 %). ' +
  'Alternated in the 1 s bench (load 1.1–1.4): camt.053 15,386 / 15,414 / 15,326 → 18,392 / ' +
  '18,815 / 18,946/s, camt.054 16,073 / 15,007 / 15,252 → 18,627 / 18,780 / 18,772/s, pain.002 ' +
  'rejected transactions 19.9k → 25.2k/s, the zendesk mappings +45–65 %, none slower. What remains ' +
  "is spread over the fast path's per-node closures and the `each` (the entry keys, `$zip`, `#$t`); " +
  'left to try: `$toBase` without BigInt (~3 %), variables resolved to slots at compile time ' +
  '(~3 % of `each`). Until the twelfth session the warm-up was 500 calls, after which V8 still ' +
  'completed about 170 optimisations inside the measured second; it is now at least 500 ms (the ' +
  'section above). Generating ' +
  'JavaScript source for subtrees of expressions (`new Function`) was tried in the ninth session and ' +
  'not merged: 13–15 % less CPU per payload once warm, but V8 compiles the generated functions in the ' +
  "background, so this table's 1 s after 500 warm-up calls measured more CPU for these two, and " +
  'it would keep the evaluation rules in a second form beside the closures. The 1 s figure swings ' +
  'with the JIT and the load: camt.054 mapped 12,405/s (81.8 µs) in one run and 17,767–22,854/s in ' +
  'others of the same day; `BENCH_SECONDS=3` put both camt mappings at about 22,800/s on main then.';

/**
 * The web console's figures, measured in Chromium by test/e2e/console/console.e2e-spec.ts (which
 * prints them); copied here by hand, with the load they were measured under.
 */
const CONSOLE_NOTES = `## Web console in the browser (test/e2e/console, by hand)

Measured 2026-12-06 in Debian's Chromium (headless) through playwright-core against a real hub, on
the shared 2-core machine while other jobs ran:

- **First load:** one JavaScript file, 14,783 bytes gzipped (budget 300 KB); no web fonts, no
  inline script or style.
- **1,000 worklist rows** (four more pages of 200 loaded, then scrolled to the end; only the rows in
  view are rendered), long tasks from a PerformanceObserver:

| load average (1 min, 2 cores) | time to 1,000 rows | long tasks (> 50 ms) | worst task |
| ---: | ---: | ---: | ---: |
| 9.3 | 3.2 s | 13 | 199 ms |
| 10.5 | 2.5 s | 9 | 135 ms |
| 14.6 | – | – | 214 ms |

Rendering every row instead (before windowing) gave a worst task of 1,383–1,511 ms at load ~20.
The test passes when the worst task stays under 100 ms × (load average ÷ cores, at least 1): a
judgement for a shared machine, not a fixed figure. Reproduce: \`npm run build\`, then
\`NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects e2e --testPathPatterns test/e2e/console\`.`;

/** Findings of the hand-run profile (not regenerated: re-profile with the commands below). */
const PROFILE_NOTES = `## Where the time goes (profiles, by hand)

**Pipeline worker** (\`HUB_NODE_ARGS="--cpu-prof --cpu-prof-dir=.prof" ONLY=hub\`, summarized with
\`node dist/bench/profile-summary.js\`, 2026-11-22): the worker was **busy, not waiting** — 9–11 % idle while it drained
at ~340–390 events/s — so here the pipeline is CPU-bound in its one process, not limited by prefetch 32, the
one-at-a-time mapping queue or confirm round trips (the long per-stage wall times in the table above are queueing
behind a saturated event loop, not broker waits). Self time: JSONata evaluation ~25 % (plus much of the ~11 % garbage
collection and the microtask churn of its async evaluator), V8/native ~11 %, Node internals (sockets, crypto) ~12 %,
the hub's mapping glue ~6–8 %, random trace ids ~3–5 % (\`randomBytes\` for each of six spans per event), scoring
~3.5 %, ajv validation ~2.5 %, amqplib ~2.7 %, pino ~1.8 %, prom-client ~1.7 %. One Stripe event costs ~0.4–0.9 ms of
CPU to map (four mappings tried, one matches) against ~0.01–0.02 ms for the hand-written reference (mapping table).

**Webhook ingest** (ingress role): the broker is not the cap — it took 5,500–9,400 confirmed publishes/s into
\`exhub.ingress\` (a fanout to a stream and a quorum queue) from one client (the producer column above). The hub's one
process is: ~1,750 req/s at 200 connections (p50 102 ms) is no more than at 50, and its profile is Node's HTTP and
socket internals ~26 %, the Stripe connector's JSON parse and forbidden-key walk ~5.6 %, ajv ~3 %, amqplib ~3 %,
HMAC ~2 %. At low concurrency it is latency-bound instead (Nagle, below). 5,000/s on these 2 cores would take more
than one hub process (EXHUB_ROLES=ingress scales out) or a much cheaper request path.

**Memory** is V8 heap headroom, not messages held: the worker holds at most 64 deliveries (prefetch 32 on each of two
channels, \`EXHUB_WORKER_CHANNELS\`), the rest wait in the broker (a prefetch of 128 on one channel was tried: about a fifth
less CPU per event, and back to back on a quiet machine a backlog peak of 288–296 MiB against 279–289 at 64, but a
graceful stop then lost quorum-queue acks beyond RabbitMQ's soft limit of 32 per channel; README,
\`EXHUB_WORKER_PREFETCH\`; two channels of 32: 226–236 MiB against 227–245 with one, three: 292 MiB). Two changes brought it down (10,000-event drain, \`EXHUB_ROLES=pipeline\`, measured back to back on a
shared machine at load 9–16, each figure twice): the \`pipeline\` role alone no longer starts the worker thread (a second
V8 isolate that only added its heap: idle RSS 345 → 208 MiB, drain peak 434–477 → 288–297 MiB); and the hub ships with
\`--max-semi-space-size=16\` (start.sh, the image, \`npm start\`, and so this bench): V8 had sized each isolate's young
generation up to 2 × 64 MiB from the machine's memory (drain peak 288–297 → 209–214 MiB; the shipped all-roles hub in
bench:e2e 506–524 → ~345 MiB). CPU per event did not change beyond the noise (1.02–1.32 ms either way); 8 MiB was
worse (~261 MiB peak, ~20 % more CPU per event: more objects survive into the old generation). Capping the old
generation instead (\`--max-old-space-size=160\`: 206 MiB peak at 267 events/s against 672) trades throughput for it.
**One run's peak says little:** on 2026-12-07, back to back at load 1.6–2.9, the backlog pass's peak RSS was 225 and
345 MiB for the build at the start of the day (b1055da) and 283, 356, 286, 222 and 216 MiB for main after the day's
changes (with \`MALLOC_ARENA_MAX=2\`: 285, 257 and 333 MiB, so not glibc's arenas): when V8 runs its major collections
moves the peak by 100 MiB or more either way. The ≤ 300 MiB aim is met in some runs and not in others, by the old
build and the new alike; meeting it every time needs a smaller heap, at the cost above.

**Changed** (libs/mapping/src/evaluate.ts): the payload depth check ran once per mapping (four walks of the same
payload per Stripe event) and allocated an array per node; now once per payload, allocation-free — its self time went
from 3.3 % to 0.5 % of the worker's profile. On this noisy machine that is below what the throughput numbers resolve.

**Latency: Nagle's algorithm on the AMQP sockets.** amqplib connects with \`noDelay: false\` unless told otherwise,
and neither the hub (libs/messaging/src/managed-connection.ts, connection.ts) nor stock Nest sets it. At low
concurrency a small publish then waits for the broker's delayed ACK (~40 ms on Linux): that, not CPU, is why p50
latency at 100–200 events/s is *higher* than at 1,000/s in the tables above. Measured 2026-11-22 with the switch
\`AMQP_NODELAY=1\` (bench sockets) plus, in a scratch build only, \`noDelay\` on the hub's connection:

| | Nagle on (default) | \`noDelay: true\` |
| --- | ---: | ---: |
| bare pipe at 100/s, p50 / p99 ms | 44.6 / 87.8 | 3.0 / 22.4 |
| hub pipeline at 100/s, p50 / p99 ms | 71.0 / 106.6 | 4.9 / 167 (one run; the tail is the worker's CPU) |
| hub ingest, 10 connections: req/s, p50 ms | 168–225, 49–58 | 785, 10 |
| hub ingest, 50 connections: req/s, p50 ms | 1,580–1,811, 24–29 | 1,659–1,766, 27–28 (saturated either way) |

Since then the hub connects with \`noDelay: true\` (libs/messaging), and the bare pipe and the producer do too
(\`AMQP_NODELAY=0\` restores amqplib's default for comparison); stock Nest is measured as a Nest user gets it.

**Latency: what stalls the shipped hub's event loop** (issue 17, the paced p99; 2026-12-06, load 7–16 from other
jobs, so the figures are about *where* the loop stops, not the p99 itself). Measured with \`perf trace -e fsync\` on the
hub, a preloaded \`monitorEventLoopDelay\` / statement timer, and \`E2E_DUMP\` (each event's send time and latency):

- **SQLite's automatic WAL checkpoint ran inside a commit on the event loop**: at 200 events/s the ingress's dedupe
  claims (three autocommits per webhook) and the worker's batch transactions filled 1,000 WAL pages about once a
  second, and the commit that did so copied them into the database file and fsynced the WAL and the file (three
  fsyncs, 10–50 ms together on this disk, and as long as the disk makes an fsync wait when other processes — the
  broker's own logs — are writing). Every request and delivery in flight waited. Changed (\`background\`, the default since the drain A/B of issue 17's last round: the worker ran ~30–45 % more events/s; libs/store README): the store's connection
  never checkpoints and a thread of its own does, PASSIVE, every 500 ms (\`EXHUB_SQLITE_CHECKPOINT\`, libs/store
  README): in the same pass 46–62 checkpoints, 1.2–1.8 s of work, ran in that thread; what stays on the loop is one
  small fsync of the WAL header when a writer starts the WAL over.
- **The 30 s backlog and root-cause scans** (\`backlogStats\`, \`rootCauseStats\`) read every open exception's document in
  one statement: at 51,000 open exceptions they stopped the loop 1.2–3.5 s in a row every 30 s. They do not fire in
  the 10 s paced pass, but do in a hub that has run for a while. Changed: 200 rows per statement, the loop free in
  between (longest block 7–82 ms at load 9–10, about the same total).
- **A mapping time-out turns a pause into a 5 s retry**: an expression limited to 50 ms of wall clock (GC, or the OS
  giving the core to another process) fails as TRANSIENT and goes to the first retry tier (5 s); a second time-out
  dead-letters it. Under this load, 0–6 such events per paced pass, each arriving after 5.4–5.8 s. Not changed here
  (libs/mapping): on a quiet machine this is rare, but any stall during an evaluation can set it off.
  Measured before the fast path compiled every shipped expression (merged since): to be measured again.

**Changed (issue 17: the worker's own CPU outside mapping).** Profile of the worker on main a690f41
(\`ONLY=hub\`, default passes, load 4–7): self time libs/store ~31 % (of it node:sqlite running statements ~23 %),
Kysely ~11 % (building and compiling ~7 small statements per exception and two related-exception lookups per event),
pino ~1.7 %, trace-id \`randomBytes\` ~1.2 %. Changed: the group commit writes new exceptions with one multi-row
statement per table (≤ 32 rows) after one read of which ids exist; the hot statements are Kysely's, compiled once
per shape and run again with new bound values (libs/store/src/prepared.ts); \`findOpenExceptions\` first asks the
key index whether any other exception has a key (~5 µs in SQLite against ~28 µs for the full query, which the
worker ran twice per event and which almost never matches); trace ids come from a pooled CSPRNG buffer; one pino
child per event, made when a line is logged. After (a690f41 + this change; backlog, flat out and 1,000 at 500/s; load ~7): Kysely 1.7 %, pino 0.7 %, libs/store
28 % — of that node:sqlite's \`run\` is mostly \`commit\` (then WAL checkpoints ran inside commits on the event loop: 20–46 commits over
50 ms per run, ~2 s CPU of ~7–11 s wall; they have since moved to a thread of their own, above). CPU per event
(\`hub CPU:\` line, user + system from /proc, steadier than rates on this shared machine; 16,000 events:
\`ONLY=hub RATE=500 RATE_SECONDS=2 LOW_RATE=0\`):
main (A) 1.737 and 1.505 ms, this change (B) 1.229 and 1.242 ms, interleaved A B A B at load 8.6, 8.7, 7.4,
5.7 (2026-12-07, on main 0abd982 with the mapping fast path): ~25 % less CPU per event. Rates in the same runs
(noisy): drain A 158 / 459, B 350 / 530 events/s; flat out A 236 / 406, B 308 / 494 events/s. At load 3.7–5 (B with the bare pipe, A right after): B 1.098 ms,
A 1.513 ms per event; hub ÷ bare (1,599 flat out, 1,735 drain) flat out 0.41 / drain 0.37 for B, 0.27 / 0.28 for A. Again on main 63b880f (pipeline in
a worker thread, checkpoints in their own), B A A B at load 5.0–6.3: CPU per event B 1.231 / 1.262 ms, A 1.852 /
1.811 ms (−32 %); drain B 612 / 617, A 453 / 452 events/s; flat out B 567 / 521, A 356 / 353 events/s.

**Changed (issue 17: webhook ingest).** Profile of the ingress-only hub under \`bench:ingest\` (main 11c9406, load
~11): node:sqlite ~8.6 % and Kysely ~7 % for three autocommits per webhook (delete an expired claim, insert the
claim, confirm it), Helmet ~4.7 % (@fastify/helmet rebuilds Helmet per request, parsing the CSP directives each
time), the Stripe connector's prototype-key walk ~2 % (a JSON pointer built for every node), socket writes (HTTP,
amqplib) and pino's writes of the one log line per webhook. Changed: the claim is one upsert that replaces only an
expired record, compiled once; the claims and confirms of concurrent requests are group-committed in one
transaction, each settling only after it committed (libs/store/src/webhook-writes.ts; a failed batch is rerun
write by write, so errors stay per request); Helmet's CSP middleware is built once; the key walk builds no
pointers unless a key is refused. After: libs/store + Kysely ~5.6 %. Measured A = main 90069d1, B = this branch,
alternating A B in one run, 10 s each, 50 connections (2026-12-07, load 10–13 from other jobs): ingress role A
546 / 398 / 432, B 1,033 / 637 / 535 req/s; hub CPU per 202 A 0.77 / 0.94 / 0.89 ms, B 0.50 / 0.52 / 0.66 ms
(−40 %). All roles (pipeline thread at the same priority) A 110 / 138, B 419 / 208 req/s; hub CPU per 202 (the
pipeline's work included) A 3.4 / 3.3 ms, B 1.3 / 1.7 ms. Opt-in \`EXHUB_PIPELINE_THREAD_NICE=10\` in the same run:
601 / 372 req/s — but it delays the pipeline (apps/hub/README.md), so it is off by default. Logging at \`warn\`
instead of \`info\` made no difference beyond the noise (hub CPU per 202 0.56 / 0.61 ms at info, 0.62 / 0.54 at
warn), so the per-webhook log line stays.

**Changed (issue 17: one socket write per pass of amqplib's frame multiplexer).** amqplib's \`Mux\` copies every
queued frame to the socket with a \`write\` of its own; with Nagle off each publish (and each ack) was one
syscall and one TCP segment, and \`perf\` gave the kernel 22 % of the ingress-only hub's CPU (\`tcp_sendmsg\` 7.9 %).
Now the socket is corked for each pass and uncorked at its end (libs/messaging/src/write-coalescing.ts): the same
bytes, in the same order and the same tick, in one \`writev\`. Measured (2026-12-07, load 4–6 from other jobs, A =
main, B = the change, 12 interleaved pairs of \`INGEST_ONLY=ingress\`): write syscalls per 202 4.1–4.75 → 2.8–3.0,
involuntary context switches per 202 0.73–1.12 → 0.35–0.65, kernel share 22 % → 12.7 %, hub CPU per 202 0.385 →
0.359 ms on average (B lower in 9 of 12 pairs). The pipeline worker uses the same connections: \`ONLY=hub\`, A B A
B at load 2.9–3.2: 0.641 / 0.666 → 0.606 / 0.579 ms per event (about −9 %).

**Changed (issue 17: webhooks first during a burst).** With all roles in one process the pipeline thread and the
broker work it causes took the cores from HTTP: \`bench:ingest\` with all roles answered about half the
ingress-only rate. Now the pipeline holds its next batch while at least 8 webhooks are in flight on an HTTP loop
busy at least half the time (\`EXHUB_INGRESS_FIRST\`, apps/hub/README.md); each batch waits at most 250 ms.
Measured back to back (2026-12-07, load 1.7–3.4): all ÷ ingress-only 1,150 ÷ 2,358 = 0.49 with it off, 2,274 ÷
3,052 = 0.75 with it on; e2e flat out 0.35 and 0.36 of the hand-written pipe either way (the same work in another
order); the paced p99 54 ms off, 35–36 ms on. On the in-flight count alone (no loop condition) the paced p99 went
to 0.5 s whenever the host stalled, which is why both conditions are needed.

**Not changed yet**: one info log line per exception and per webhook (pino, now ~0.7 %); stage timing and spans
per stage (libs/observability); the content hash and audit canonical JSON (~2.5 %); and the store's commit,
which is now the largest single cost of the worker.

**Changed (issue 17: Helmet built once).** \`perf record\` of the ingress-only hub under \`bench:ingest\` (main
d366ccf) still had @fastify/helmet's two hooks per request at 3.2 % (\`buildHelmetOnRoutes\` builds Helmet's
middleware anew for every request, after an async hook that decorates the reply). The hub now depends on
\`helmet\` itself and builds its middleware once, with the same options, in one synchronous \`onRequest\` hook;
the answers carry exactly the same headers (compared header by header on \`/health/live\`, old build against
new). \`INGEST_ONLY=ingress INGEST_SECONDS=6\`, builds alternated A B B A A B B A (load 2.1–3.3): 1,643 / 1,731 /
1,844 / 1,673 → 1,658 / 1,892 / 2,129 / 2,074 req/s, hub CPU per 202 0.547 / 0.528 / 0.498 / 0.537 → 0.503 /
0.440 / 0.397 / 0.401 ms, and the hub's peak RSS 286–320 → 229–279 MiB.

**Changed (issue 17: the dedupe writes of a batch in two statements).** The ingress's claims and confirms were
group-committed, but each was still a statement of its own inside the batch's transaction: on PostgreSQL a
round trip each, one after another, so a batch of 50 webhooks took about 100 of them, and the ingress-only hub on
PostgreSQL (\`INGEST_STORE_URL=postgres://…\`, new in \`bench:ingest\`) answered about half its SQLite rate with a
quarter of its time idle. Now a batch confirms in one \`UPDATE … RETURNING\` per 32 and claims every free id in one
multi-row claim statement per 32, in key order (libs/store/src/webhook-events.repo.ts); an id that was not free, or
twice in the batch, is answered one by one as before, so every answer is the one it would get alone (a store
contract test, on both databases, checks each kind in one batch). Measured 2026-12-07 (load 1.4–3.5), A = main
298c3e4, B = the change, alternated, \`INGEST_ONLY=ingress INGEST_SECONDS=8\`: on PostgreSQL 1,245 / 1,262 /
1,238 → 1,780 / 1,846 / 1,413 req/s, hub CPU per 202 0.52 / 0.54 / 0.55 → 0.38 / 0.38 / 0.49 ms; on SQLite (as
shipped) 1,936 / 2,269 / 2,588 / 2,990 → 2,338 / 2,018 / 3,208 / 3,223 req/s, hub CPU per 202 0.45 / 0.37 / 0.33 /
0.27 → 0.36 / 0.43 / 0.26 / 0.25 ms (B lower in 3 of 4 pairs, −8 % on average). For scale: a build with no dedupe
writes at all (not shippable, only a bound) took 0.29 → 0.25 ms per 202 on SQLite, so what the embedded dedupe
still costs is about a tenth of the ingress. Tried and not kept: two batch transactions at once on PostgreSQL
(1,258 / 1,753 / 1,880 against 1,730 / 1,726 / 1,478 req/s with one, the same within the noise).

**The worker's SQLite time** (2026-12-07, main 4031ea0, \`ONLY=hub\`, a by-hand timer around each statement of the
node:sqlite adapter, 17,400 events, load ~2): 5.3 s of wall time in SQLite, of it 3.1 s in \`commit\` (1,526 group
commits of ~11 events, ~2 ms each: writing the WAL frames of two copies of each document — the exception and its
first version — and of four indexes whose keys are random, plus the automatic checkpoints), then the multi-row
inserts into \`exception_keys\` 0.57 s and \`exceptions\` 0.55 s, the coalesced key probes 0.51 s, versions 0.19 s,
audit 0.17 s. Tried, A B A B, no difference beyond the noise in CPU per event: a 32 MiB page cache with 256 MiB
of mmap; 16 KiB pages; and, in an earlier session, storing the first version's document once instead of twice.
Fewer random-key indexes is a schema change still to measure.

**Changed (issue 17, the checkpoint off the worker's thread, now the default).** \`perf record\` of the draining
worker put SQLite's automatic checkpoint (\`sqlite3WalDefaultHook\` → \`walCheckpoint\`) at about a tenth of its
thread. The background checkpoint thread (\`EXHUB_SQLITE_CHECKPOINT=background\`) had been tried before and set
aside because \`begin immediate\` then waited about as long as the commits saved; timing that statement's wall
clock against its thread CPU showed why: the thread's TRUNCATE at 32 MiB held the writer while it copied 500 ms
of frames (1.7 ms of waiting per group commit on average, 38 ms of CPU in 1,200), and even after a PASSIVE that
had copied everything, a TRUNCATE's sync and truncate stalled \`begin immediate\` 30–105 ms about once a second
(its busy handler sleeps in steps of 25–100 ms): the pipeline pass's p99 at 200/s after the heavy passes went
from 23–26 ms (commit checkpoints) to 74–95 ms. Now the store's connection sets \`journal_size_limit\`, so the
writer that starts the WAL over trims the file itself, and the thread truncates only a WAL nobody wrote to since
its last tick, or one past 4 × 32 MiB under writes that never pause (then 130–230 ms, every few seconds of a
flood); A B A B of that change: p99 at 200/s 368 / 106 ms before, 189 / 26 ms after. What is left: in the
pipeline pass the 200/s phase comes right after the floods, while the thread still copies their frames, and its p99
(table above) stays well above the 18 ms of the commit checkpoints in the eighth session's run; the aim's own
figure, the e2e paced pass on a fresh hub, did not get worse: alternated right after this run (load 1.8–2.3),
\`commit\` 55.4 / 46.7 ms, \`background\` 43.3 / 38.7 ms (the eighth session's 37.6 ms ran on a quieter host). A \`begin immediate\` that SQLite answers
\`SQLITE_BUSY\` at once (about 1 group commit in 100 under the profiler, each then stored one delivery at a
time) is tried again after 1, 2, 4 … ms. Per 1,200 transactions, \`commit\`: 7.4 s wall and 3.0 s CPU with the
commit checkpoint, 1.8–2.0 s wall and 1.2–1.4 s CPU with the thread. \`ONLY=hub\`, modes alternated (load
3.4–4.4): drain 822 and 867/s → 1,137 and 1,081/s, flat out 694 and 718/s → 1,019 and 1,038/s. The ingress
now also refuses webhooks while the pipeline thread's connection reports a full disk (its own small claims may
still fit in WAL space the file already has): the disk-full fault case passes with the new default.

**The paced p99 at 200/s, on the edge of its aim** (2026-12-07, main 48daec1, \`E2E_MODES=paced\` with
\`E2E_DUMP\`, one pass per variant, load 1.5–2.2). The slowest 1 % are not spread over the pass: they come in one or
two clusters of 5–15 events sent within ~50 ms, each delayed by about the same 40–80 ms, so the p99 is the length
of one stall. The hand-written pipe has the same kind of stalls (p50 32.6 ms, p99 92.4 ms in its pass; clusters at
4.0, 5.3 and 7.2 s), so they are not the hub's own code alone: the broker's fsyncs (a stream and a quorum queue per
event) and the shared host. The hub's passes showed a cluster 2.2–2.35 s into the pass in four of five runs; in one
of them, with \`--trace-gc\`, V8 did only two scavenges (3 and 8 ms) in that window and no mark-compact, and the
checkpoint thread's fsyncs are every 500 ms all through the pass, so GC is not it. In that pass (info logs,
\`HUB_LOG_FILE\`) the delayed webhooks had their \`202\` on time (the broker confirmed them at once); the wait was
after: the pipeline thread published nothing for 92 ms and then their exceptions 52 ms after the confirm, against
~10 ms for the others. Whether the thread or the broker's delivery to it held them is not found yet. In the
eleventh session (2026-12-07, load 2–3.4) the hand-written pipe's paced pass had its slow 1 % sent at 1.2, 2.0–2.06,
5.7 and 7.7 s (p99 88 ms) and the hub's, in the pass right after, at 7.0–7.1 s (p99 54 ms): the window ~2 s into a
pass is not the hub's own either, and the hub's p99 stayed below the pipe's in every pass run side by side.

**Changed (issue 17, one write gate for the two threads).** The HTTP thread (dedupe claims and confirms) and the
pipeline worker thread (group commits) write one SQLite file through two connections. A \`begin immediate\` that
met the other thread's transaction waited in SQLite's busy handler, which sleeps 1, 2, 5, 10 … ms on the calling
thread: node:sqlite is synchronous, so that thread's event loop stopped for the whole wait. Timed with a
temporary probe around \`begin immediate\` (waits over 2 ms, paced pass at 200/s, 10 s): 22–31 waits of up to
8–19 ms, 78–140 ms in all, on the HTTP thread, the loop stopped each time; flat out, 24 waits of 13 ms on average
in 5 s. The transactions they waited for took 2–5 ms; the sleeps' steps (1 + 2 + 5 = 8 ms) set the rest. Now both
threads share a write gate (libs/store \`write-gate.ts\`, a ticket lock in a SharedArrayBuffer): a transaction,
or a write outside one, takes a turn first, waits for it with \`Atomics.waitAsync\` (the loop goes on serving
requests) and is woken when the holder commits. Same probe with the gate: 23–28 waits, 105–120 ms in all, none of
them with the loop stopped. SQLite's own lock and busy timeout still guard the file (and other processes); a turn
nobody gives back is skipped after 1 s; \`exhub_store_write_wait_seconds_total\` shows how long the writers waited.
Throughput and latency did not move beyond the noise: builds alternated on a quiet host (main ee2ea0d against this
session's, which also holds the faster mapping engine and the 50 ms rule below; load 1.5–2.9), all roles ingest
1,938 / 1,779 / 2,188 → 1,959 / 2,171 / 2,183 req/s (hub CPU per 202 0.43–0.55 → 0.45–0.51 ms), end to end flat out
933 / 825 / 899 → 728 / 868 / 919 exceptions/s, paced p99 32.5 / 30.8 / 30.6 → 42.5 / 33.6 / 34.2 ms. What it
changes is that no webhook waits behind a sleeping event loop; the gate's cost did not show.

**Changed (issue 17, webhooks first only after 50 ms of a busy loop).** In a paced pass the pipeline had held its
batch three times inside one host stall (5, 22 and 10 ms): a stalled HTTP loop makes the next 25 ms sample look
busy, and the requests that queued meanwhile put 8 or more in flight for a moment. The HTTP thread now publishes
the lower of its last two samples, so the pipeline yields only to a loop busy for 50 ms and more; a burst that
saturates HTTP lasts seconds and is still answered first (the all-roles ingest above, and the table's ratio).

**Changed (issue 17, statement journals in memory).** \`perf record\` of the draining worker (main 7d60192,
\`ONLY=hub BACKLOG=20000\`, \`--perf-basic-prof\`) put \`subjournalPageIfRequired\` → \`pager_write\` → \`pwrite\` at
5.7 % of the process: each multi-row insert of a group commit keeps a statement journal (the pages it changed, so
that statement alone can be undone), and SQLite spills one past 64 KiB to a temp file, one \`pwrite\` per page.
The store's connection now sets \`temp_store = MEMORY\`. \`npm run bench:store\` (16-exception group commits on a
fresh file store, alternated rounds, load 1.3–1.9): 0.196 ms CPU per exception as shipped, 0.241 ms with
\`temp_store = FILE\` (1.23×). \`ONLY=hub\`, builds alternated in 4 pairs (load 2.1–2.6): drain 944 / 1,049 /
1,060 / 1,244 → 953 / 1,193 / 1,198 / 1,224 events/s, CPU per event 0.82–1.01 → 0.77–1.07 ms (median 0.99 →
0.85). Tried in the same way and left: 1 KiB pages (drain 1,182 / 1,080 against 1,333 / 1,384/s) and 8 KiB
pages (no difference beyond the noise).`;

const REPRODUCE = `## Reproduce

\`\`\`sh
source scripts/node-env.sh
npm run bench                          # builds to dist/ (tsc -p tsconfig.bench.json), runs everything, rewrites this file
BENCH_REPEATS=3 npm run bench          # median and range over 3 runs of pipeline and ingest
BENCH_SKIP=mapping,scoring npm run bench
npm run bench:pipeline                 # EVENTS=5000 RATE=1000 RATE_SECONDS=5 LOW_RATE=200 BACKLOG=10000 ONLY=bare,hub,nest AMQP_NODELAY=1
npm run bench:ingest                   # INGEST_SECONDS=10 INGEST_CONNECTIONS=50 OUTAGE_RATE=500 INGEST_ONLY=ingress,all,outage
INGEST_STORE_URL=postgres://postgres@127.0.0.1:5432/ingestbench INGEST_ONLY=ingress npm run bench:ingest   # the dedupe store on PostgreSQL (an empty database)
npm run bench:scaleout                 # SCALEOUT_BACKLOG=10000 SCALEOUT_HUBS=1,2 SCALEOUT_PG_URL=postgres://postgres@127.0.0.1:5432/test
npm run bench:e2e                      # E2E_EVENTS=3000 E2E_CONCURRENCY=32 E2E_RATE=200 E2E_SECONDS=10
E2E_MODES=paced E2E_VARIANTS=hub E2E_DUMP=lat.txt HUB_LOG_FILE=hub.log npm run bench:e2e   # the paced hub pass alone
npm run bench:mapping                  # BENCH_SECONDS=1
npm run bench:scoring                  # -- --n 20000 --mode off,shadow,active
npm run bench:store                    # STORE_ROUNDS=4 STORE_BATCHES=800 STORE_BATCH=16 STORE_VARIANTS='{"name":["PRAGMA …"]}'
HUB_NODE_ARGS="--cpu-prof --cpu-prof-dir=.prof" ONLY=hub npm run bench:pipeline
node dist/bench/profile-summary.js .prof/*.cpuprofile
node dist/bench/report.js              # re-render this file and the chart from bench/results/*.json
\`\`\`

Needs RabbitMQ on localhost (AMQP_URL), PostgreSQL for the scale-out pass (it drops and creates the database
\`exhub_bench_scaleout\`), \`rabbitmqctl\` for the memory-alarm part (it restores the watermark it read),
and \`rsvg-convert\` (Debian: librsvg2-bin) for the PNG. \`npm run build\` is not needed, and not used, because it deletes
dist/ that others may be using; the bench compiles over it instead.`;

if (require.main === module) {
  const root = join(__dirname, '../..');
  console.log(renderReport(join(root, 'bench/results'), root).join('\n'));
}
