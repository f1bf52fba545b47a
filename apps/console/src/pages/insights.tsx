import { useState } from 'preact/hooks';
import { get, query } from '../api';
import { duration } from '../format';
import { ErrorBox, Section, useAsync } from '../ui';

interface DurationStats {
  type: string;
  tier: string;
  count: number;
  p50Seconds: number;
  p90Seconds: number;
}
interface InsightsReport {
  window: { since: string; until: string; statusChanges: number; truncated: boolean };
  rootCauses: { open: number; top: { key: string; open: number; rule: string }[] };
  timeToTriage: DurationStats[];
  timeToResolve: DurationStats[];
}
interface Backlog {
  groups: { domain: string; tier: string; open: number; oldestAgeSeconds: number }[];
  pastDueByTier: Record<string, number>;
}

const WINDOWS = [
  { days: 1, label: 'last 24 hours' },
  { days: 7, label: 'last 7 days' },
  { days: 30, label: 'last 30 days' },
  { days: 90, label: 'last 90 days' },
];

export function Insights() {
  const [days, setDays] = useState(30);
  const report = useAsync(() => {
    const since = new Date(Date.now() - days * 86400_000).toISOString();
    return get<InsightsReport>(`/v1/insights${query({ since })}`);
  }, [days]);
  const backlog = useAsync(() => get<Backlog>('/v1/backlog'), []);
  const r = report.data;
  return (
    <>
      <h1>Insights</h1>
      <label>
        Window{' '}
        <select
          value={days}
          onChange={(e) => setDays(Number((e.target as HTMLSelectElement).value))}
        >
          {WINDOWS.map((w) => (
            <option value={w.days}>{w.label}</option>
          ))}
        </select>
      </label>
      <ErrorBox error={report.error} />
      {r && (
        <>
          <p class="hint">
            {r.window.statusChanges} status changes in the window
            {r.window.truncated ? ' (only the first ones were read)' : ''}.
          </p>
          <Section title="Root causes of open exceptions">
            <Bars
              label="Open exceptions per root cause"
              rows={r.rootCauses.top.map((g) => ({
                label: g.key,
                value: g.open,
                text: String(g.open),
              }))}
            />
          </Section>
          <Section title="Time to triage">
            <DurationBars stats={r.timeToTriage} />
          </Section>
          <Section title="Time to resolve">
            <DurationBars stats={r.timeToResolve} />
          </Section>
        </>
      )}
      <Section title="Backlog aging by tier">
        <ErrorBox error={backlog.error} />
        {backlog.data && (
          <Bars
            label="Age of the oldest open exception per domain and tier"
            rows={backlog.data.groups.map((g) => ({
              label: `${g.tier} · ${g.domain} (${g.open} open${backlog.data!.pastDueByTier[g.tier] ? `, ${backlog.data!.pastDueByTier[g.tier]} past due in ${g.tier}` : ''})`,
              value: g.oldestAgeSeconds,
              text: duration(g.oldestAgeSeconds),
            }))}
          />
        )}
      </Section>
    </>
  );
}

function DurationBars(props: { stats: DurationStats[] }) {
  return (
    <Bars
      label="p50 by type and tier (p90 in brackets)"
      rows={props.stats.map((s) => ({
        label: `${s.type} · ${s.tier} (${s.count})`,
        value: s.p50Seconds,
        text: `${duration(s.p50Seconds)} (p90 ${duration(s.p90Seconds)})`,
      }))}
    />
  );
}

/** A horizontal bar chart in SVG; the numbers are also text, for screen readers and copying. */
function Bars(props: { label: string; rows: { label: string; value: number; text: string }[] }) {
  if (props.rows.length === 0) return <p>Nothing in this window.</p>;
  const max = Math.max(...props.rows.map((r) => r.value), 1);
  const rowHeight = 26;
  const labelWidth = 320;
  const width = 760;
  return (
    <figure>
      <svg
        role="img"
        aria-label={props.label}
        viewBox={`0 0 ${width} ${props.rows.length * rowHeight}`}
        class="chart"
      >
        {props.rows.map((r, i) => (
          <g transform={`translate(0 ${i * rowHeight})`}>
            <text x={0} y={17} class="chart-label">
              {r.label.length > 44 ? `${r.label.slice(0, 43)}…` : r.label}
            </text>
            <rect
              x={labelWidth}
              y={4}
              height={rowHeight - 8}
              width={Math.max(1, ((width - labelWidth - 150) * r.value) / max)}
              class="chart-bar"
            />
            <text
              x={labelWidth + ((width - labelWidth - 150) * r.value) / max + 6}
              y={17}
              class="chart-value"
            >
              {r.text}
            </text>
          </g>
        ))}
      </svg>
      <figcaption class="sr-only">{props.label}</figcaption>
    </figure>
  );
}
