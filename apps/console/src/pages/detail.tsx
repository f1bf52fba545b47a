import { useState } from 'preact/hooks';
import { get, post, roleAtLeast, type Role } from '../api';
import { due, money, points, safeHttpUrl, time } from '../format';
import {
  ENUMS,
  type Exception,
  type ExceptionDetail,
  type Factor,
  type VersionChanges,
} from '../types';
import { ErrorBox, Section, Tier, useAsync } from '../ui';

const ACTIONS = ['approve', 'override', 'resolve', 'dismiss'] as const;

export function Detail(props: { id: string; role: Role }) {
  const detail = useAsync(
    () => get<ExceptionDetail>(`/v1/exceptions/${encodeURIComponent(props.id)}`),
    [props.id],
  );
  const changes = useAsync(
    () =>
      get<{ versions: VersionChanges[] }>(`/v1/exceptions/${encodeURIComponent(props.id)}/changes`),
    [props.id],
  );
  // A decision's answer is the exception as it now is: shown at once, before the reload.
  const [decided, setDecided] = useState<Exception>();
  const e = decided?.id === props.id ? decided : detail.data?.exception;
  return (
    <>
      <p>
        <a href="#/worklist">← Worklist</a>
      </p>
      <ErrorBox error={detail.error} />
      {e && (
        <>
          <h1>{e.title}</h1>
          <dl class="facts">
            <dt>Status</dt>
            <dd data-testid="status">{e.status}</dd>
            <dt>Tier</dt>
            <dd>
              <Tier tier={e.priority.tier} />
            </dd>
            <dt>Score</dt>
            <dd>{e.priority.score.toFixed(2)}</dd>
            <dt>Type</dt>
            <dd>
              {e.domain} · {e.type}
            </dd>
            <dt>Due</dt>
            <dd>{due(e.dueAt, Date.now()).text}</dd>
            <dt>Amount</dt>
            <dd>{money(e.amount)}</dd>
            <dt>Route</dt>
            <dd>{e.priority.route}</dd>
            <dt>Review</dt>
            <dd>
              {e.priority.review.required
                ? `required${e.priority.review.reason ? `: ${e.priority.review.reason}` : ''}`
                : 'not required'}
            </dd>
            <dt>Source</dt>
            <dd>
              <SourceLink e={e} />
            </dd>
            <dt>Mapping</dt>
            <dd>
              {e.lineage.mapping.id} <code>{e.lineage.mapping.version.slice(0, 12)}</code>
            </dd>
          </dl>
          {e.summary && <p>{e.summary}</p>}
          <Decisions
            e={e}
            role={props.role}
            onDone={(updated) => {
              setDecided(updated);
              void detail.reload();
              void changes.reload();
            }}
          />
          <Waterfall score={e.priority.score} factors={e.priority.factors} />
          <Section title="Rules fired">
            {e.priority.rulesFired.length ? (
              <ul>
                {e.priority.rulesFired.map((r) => (
                  <li>
                    <code>{r}</code>
                  </li>
                ))}
              </ul>
            ) : (
              <p>No policy rule fired.</p>
            )}
          </Section>
          <Section title="Related exceptions">
            {e.links.length ? (
              <ul>
                {e.links.map((id) => (
                  <li>
                    <a href={`#/exceptions/${encodeURIComponent(id)}`}>{id}</a>
                  </li>
                ))}
              </ul>
            ) : (
              <p>None linked.</p>
            )}
          </Section>
          <Section title="Version history">
            <ErrorBox error={changes.error} />
            <ol class="versions">
              {changes.data?.versions.map((v) => (
                <li>
                  Version {v.version} · {time(v.recordedAt)}
                  {v.changes.length > 0 && (
                    <ul>
                      {v.changes.map((c) => (
                        <li>
                          <code>{c.path.replace(/^\[0\]\.?/, '') || '(whole)'}</code>:{' '}
                          {show(c.expected)} → {show(c.actual)}
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ol>
          </Section>
          <Section title="Audit trail">
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {detail.data!.audit.map((a) => (
                  <tr>
                    <td>{a.seq}</td>
                    <td>{time(a.at)}</td>
                    <td>{a.actor}</td>
                    <td>{a.action}</td>
                    <td>
                      <code class="wrap">{a.details}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
        </>
      )}
    </>
  );
}

function show(v: unknown): string {
  if (v === undefined) return '(none)';
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}

function SourceLink({ e }: { e: Exception }) {
  const label = `${e.source.system} ${e.source.objectType} ${e.source.objectId}`;
  const href = safeHttpUrl(e.source.url);
  return href ? (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {label} (opens the source)
    </a>
  ) : (
    <span>{label}</span>
  );
}

/**
 * The score as a waterfall: each factor a bar starting where the previous one ended, with its
 * sentence. The factors add up to the score (the scorer keeps hundredths); anything they do not
 * explain is shown as its own row rather than hidden.
 */
export function Waterfall(props: { score: number; factors: Factor[] }) {
  const rows: { label: string; detail: string; points: number; start: number }[] = [];
  let total = 0;
  for (const f of props.factors) {
    rows.push({ label: f.code, detail: f.detail, points: f.points, start: total });
    total = Math.round((total + f.points) * 100) / 100;
  }
  const rest = Math.round((props.score - total) * 100) / 100;
  if (rest !== 0) {
    rows.push({
      label: 'not itemised',
      detail: 'the part of the score no listed factor explains',
      points: rest,
      start: total,
    });
    total = props.score;
  }
  const max = Math.max(100, ...rows.map((r) => Math.max(r.start, r.start + r.points)));
  const pct = (x: number) => `${(Math.max(0, x) / max) * 100}%`;
  return (
    <Section title="Why this score">
      <table class="waterfall">
        <thead>
          <tr>
            <th scope="col">Factor</th>
            <th scope="col">Points</th>
            <th scope="col">
              <span class="sr-only">Bar</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const lo = Math.min(r.start, r.start + r.points);
            return (
              <tr>
                <th scope="row">
                  <span class="code">{r.label}</span>
                  <span class="sentence">{r.detail}</span>
                </th>
                <td class="num">{points(r.points)}</td>
                <td class="barcell" aria-hidden="true">
                  <span
                    class={r.points < 0 ? 'bar neg' : 'bar'}
                    style={{ marginLeft: pct(lo), width: pct(Math.abs(r.points)) }}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Score</th>
            <td class="num" data-testid="waterfall-total">
              {total.toFixed(2)}
            </td>
            <td>
              {Math.abs(total - props.score) < 0.005 ? 'the factors add up to the score' : ''}
            </td>
          </tr>
        </tfoot>
      </table>
    </Section>
  );
}

function Decisions(props: { e: Exception; role: Role; onDone: (e: Exception) => void }) {
  const [action, setAction] = useState<(typeof ACTIONS)[number]>('resolve');
  const [tier, setTier] = useState(ENUMS.tiers[0]);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState('');
  const [busy, setBusy] = useState(false);
  const allowed = roleAtLeast(props.role, 'operator');
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult('');
    try {
      const body = { action, reason, ...(action === 'override' ? { tier } : {}) };
      const r = await post<{ exception: Exception }>(
        `/v1/exceptions/${encodeURIComponent(props.e.id)}/decisions`,
        body,
      );
      setResult(
        `Recorded: ${action}. The exception is now ${r.exception.status}, tier ${r.exception.priority.tier}.`,
      );
      setReason('');
      props.onDone(r.exception);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Decision">
      {!allowed && (
        <p class="hint">
          Recording a decision needs the operator role; your key has the {props.role} role.
        </p>
      )}
      <form class="decision" onSubmit={submit}>
        <label>
          Action
          <select
            value={action}
            onChange={(e) => setAction((e.target as HTMLSelectElement).value as typeof action)}
          >
            {ACTIONS.map((a) => (
              <option value={a}>{a}</option>
            ))}
          </select>
        </label>
        {action === 'override' && (
          <label>
            New tier
            <select value={tier} onChange={(e) => setTier((e.target as HTMLSelectElement).value)}>
              {ENUMS.tiers.map((t) => (
                <option value={t}>{t}</option>
              ))}
            </select>
          </label>
        )}
        <label class="grow">
          Reason
          <input
            value={reason}
            required
            maxLength={2000}
            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          Record decision
        </button>
      </form>
      {result && (
        <p role="status" class="ok">
          {result}
        </p>
      )}
      <ErrorBox error={error} />
    </Section>
  );
}
