import { useRef, useState } from 'preact/hooks';
import { get, post } from '../api';
import { duration, time } from '../format';
import { ErrorBox, Json, Section, useAsync } from '../ui';

interface ConnectorStatus {
  id: string;
  type: string;
  kind: 'webhook' | 'poll' | 'unavailable';
  enabled: boolean;
  polledHere: boolean;
  check: { ok: boolean; detail: string };
  breaker: string | null;
  lastPollAt: string | null;
  cursor: { updatedAt: string; ageSeconds: number } | null;
  lastError: { errorClass: string; message: string; at: string } | null;
}
interface DlqGroup {
  errorClass: string;
  stage: string;
  count: number;
  oldestAgeSeconds?: number;
  sampleIds: string[];
}
interface DlqReplayReport {
  dryRun: boolean;
  depth: number;
  scanned: number;
  selected: number;
  republished: number;
  quarantined: number;
  items: {
    id: string;
    errorClass: string;
    action: 'republished' | 'quarantined' | 'would-republish' | 'would-quarantine';
    reason?: string;
  }[];
}

export function Operations() {
  return (
    <>
      <h1>Operations</h1>
      <Connectors />
      <DeadLetters />
    </>
  );
}

function Connectors() {
  const list = useAsync(() => get<{ connectors: ConnectorStatus[] }>('/v1/connectors'), []);
  const [polled, setPolled] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const poll = async (id: string) => {
    setError(undefined);
    try {
      const r = await post<{ outcome: unknown }>(
        `/v1/connectors/${encodeURIComponent(id)}/poll`,
        {},
      );
      setPolled({ ...polled, [id]: `polled: ${JSON.stringify(r.outcome)}` });
      void list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Section title="Connectors">
      <ErrorBox error={list.error} />
      <ErrorBox error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Connector</th>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col">Breaker</th>
            <th scope="col">Cursor age</th>
            <th scope="col">Last error</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.data?.connectors.map((c) => (
            <tr>
              <td>
                {c.id} <span class="sub">{c.type}</span>
              </td>
              <td>{c.kind}</td>
              <td class={c.check.ok ? 'ok' : 'bad'}>
                {c.check.ok ? 'ok' : 'failing'}: {c.check.detail}
              </td>
              <td>{c.breaker ?? '—'}</td>
              <td>{c.cursor ? duration(c.cursor.ageSeconds) : '—'}</td>
              <td>
                {c.lastError
                  ? `${c.lastError.errorClass}: ${c.lastError.message} (${time(c.lastError.at)})`
                  : '—'}
              </td>
              <td>
                {c.kind === 'poll' && (
                  <button type="button" onClick={() => poll(c.id)} disabled={!c.polledHere}>
                    Poll now
                  </button>
                )}
                {polled[c.id] && <span role="status">{polled[c.id]}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function DeadLetters() {
  const dlq = useAsync(
    () => get<{ queue: string; depth: number; scanned: number; groups: DlqGroup[] }>('/v1/dlq'),
    [],
  );
  const [replayed, setReplayed] = useState('');
  return (
    <Section title="Dead letters">
      <ErrorBox error={dlq.error} />
      {replayed && (
        <p role="status" class="ok">
          {replayed}
        </p>
      )}
      {dlq.data && (
        <p>
          {dlq.data.depth} in <code>{dlq.data.queue}</code> ({dlq.data.scanned} scanned).
        </p>
      )}
      {dlq.data?.groups.map((g) => (
        <Group
          group={g}
          onReplayed={(r) => {
            setReplayed(r);
            void dlq.reload();
          }}
        />
      ))}
    </Section>
  );
}

function Group(props: { group: DlqGroup; onReplayed: (message: string) => void }) {
  const g = props.group;
  const [report, setReport] = useState<DlqReplayReport>();
  const [error, setError] = useState<unknown>();
  const dialog = useRef<HTMLDialogElement>(null);
  const replay = async (dryRun: boolean) => {
    setError(undefined);
    try {
      const r = await post<{ report: DlqReplayReport }>('/v1/replay', {
        source: 'dlq',
        errorClass: g.errorClass,
        dryRun,
      });
      if (dryRun) setReport(r.report);
      else {
        // Shown by the section: a group whose letters were all replayed leaves the list.
        props.onReplayed(
          `Replayed ${g.errorClass}: ${r.report.republished} republished, ${r.report.quarantined} quarantined.`,
        );
      }
    } catch (err) {
      setError(err);
    }
  };
  return (
    <article class="card" aria-label={`Dead letters: ${g.errorClass}`}>
      <h3>
        {g.errorClass} <span class="sub">stage {g.stage}</span>
      </h3>
      <p>
        {g.count} letter(s)
        {g.oldestAgeSeconds !== undefined && `, oldest ${duration(g.oldestAgeSeconds)} ago`}.
      </p>
      <ul>
        {g.sampleIds.map((id) => (
          <li>
            <Letter id={id} />
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => replay(true)}>
        Replay dry-run
      </button>
      {report && (
        <div role="status">
          <p>
            Dry-run: {report.selected} selected; {would(report, 'would-republish')} would be
            republished, {would(report, 'would-quarantine')} quarantined.
          </p>
          <ul>
            {report.items
              .filter((i) => i.reason)
              .map((i) => (
                <li>
                  {i.id}: {i.reason}
                </li>
              ))}
          </ul>
          <button type="button" onClick={() => dialog.current?.showModal()}>
            Replay…
          </button>
        </div>
      )}
      <dialog ref={dialog} aria-labelledby={`confirm-${g.errorClass}`}>
        <h4 id={`confirm-${g.errorClass}`}>Replay the {g.errorClass} dead letters?</h4>
        <p>
          {report ? would(report, 'would-republish') : 0} will be republished to the pipeline and{' '}
          {report ? would(report, 'would-quarantine') : 0} quarantined, as the dry-run showed.
        </p>
        <form method="dialog">
          <button value="cancel">Cancel</button>{' '}
          <button value="confirm" onClick={() => void replay(false)}>
            Replay now
          </button>
        </form>
      </dialog>
      <ErrorBox error={error} />
    </article>
  );
}

/** A dry-run counts nothing: what would happen is in each item's action. */
function would(report: DlqReplayReport, action: 'would-republish' | 'would-quarantine'): number {
  return report.items.filter((i) => i.action === action).length;
}

interface LetterDetail {
  headers: Record<string, unknown>;
  properties: Record<string, unknown>;
  bodyPreview: string;
  truncated: boolean;
}

function Letter(props: { id: string }) {
  const [detail, setDetail] = useState<LetterDetail>();
  const [error, setError] = useState<unknown>();
  const open = async (e: Event) => {
    if (!(e.currentTarget as HTMLDetailsElement).open || detail) return;
    try {
      setDetail(await get<LetterDetail>(`/v1/dlq/letters/${encodeURIComponent(props.id)}`));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <details onToggle={open}>
      <summary>{props.id}</summary>
      <ErrorBox error={error} />
      {detail && (
        <>
          <h4>Headers</h4>
          <Json value={detail.headers} label={`Headers of ${props.id}`} />
          <h4>Payload{detail.truncated ? ' (start)' : ''}</h4>
          <pre class="json" tabIndex={0} aria-label={`Payload of ${props.id}`}>
            {detail.bodyPreview}
          </pre>
        </>
      )}
    </details>
  );
}
