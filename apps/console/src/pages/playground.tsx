import { useState } from 'preact/hooks';
import { ApiFailure, get, post, type Issue } from '../api';
import { jsonLines, nearestPointer, within } from '../pointer';
import type { Difference, Exception, Factor } from '../types';
import { ErrorBox, Json, Section, Tier, useAsync } from '../ui';
import { Waterfall } from './detail';

interface MappingInfo {
  id: string;
  system: string;
  objectType: string;
  file: string;
  version: string;
  cases: number;
}
interface CaseOutcome {
  name: string;
  file: string;
  position: { line: number; column: number };
  passed: boolean;
  differences: Difference[];
  error?: string;
}
/** What POST /v1/priority/dry-run answers (the fields shown here). */
interface Explanation {
  priority: { score: number; tier: string; route: string; factors: Factor[]; rulesFired: string[] };
  slaTarget: string;
  degradedReasons: string[];
}

/**
 * A steward's workbench: map a pasted or uploaded payload with a live mapping
 * (POST /v1/mappings/dry-run; nothing is published), see problems at their JSON pointer in the
 * payload, run the mapping's golden cases, and score the result (POST /v1/priority/dry-run).
 */
export function Playground() {
  const mappings = useAsync(() => get<{ mappings: MappingInfo[] }>('/v1/mappings'), []);
  const [target, setTarget] = useState<'mapping' | 'source'>('mapping');
  const [mapping, setMapping] = useState('');
  const [system, setSystem] = useState('');
  const [objectType, setObjectType] = useState('');
  const [text, setText] = useState('');
  const [parsed, setParsed] = useState<unknown>();
  const [error, setError] = useState<unknown>();
  const [issues, setIssues] = useState<Issue[]>([]);
  const [result, setResult] = useState<Exception[] | undefined>();
  const [busy, setBusy] = useState(false);
  const list = mappings.data?.mappings ?? [];
  const chosen = mapping || list[0]?.id || '';

  const run = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setIssues([]);
    setResult(undefined);
    // An XML document (a bank file) goes to the hub as text, parsed there exactly as the
    // pipeline parses it; anything else must be JSON.
    const xml = text.trimStart().startsWith('<');
    let payload: unknown = text;
    if (!xml) {
      try {
        payload = JSON.parse(text);
      } catch (err) {
        setParsed(undefined);
        setError(new Error(`The payload is not valid JSON: ${(err as Error).message}`));
        return;
      }
    }
    // Pointers into an XML document refer to the hub's parsed form: they are listed, not marked.
    setParsed(xml ? undefined : payload);
    setBusy(true);
    try {
      const source = target === 'mapping' ? { mapping: chosen } : { system, objectType };
      const body = { ...source, payload, ...(xml ? { contentType: 'application/xml' } : {}) };
      const r = await post<{ exceptions: Exception[] }>('/v1/mappings/dry-run', body);
      setResult(r.exceptions);
    } catch (err) {
      setError(err);
      if (err instanceof ApiFailure) setIssues(err.issues);
    } finally {
      setBusy(false);
    }
  };

  const upload = async (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) setText(await file.text());
  };

  return (
    <>
      <h1>Mapping playground</h1>
      <p class="hint">Nothing is published: the hub maps and scores the payload and answers.</p>
      <ErrorBox error={mappings.error} />
      <form class="playground" onSubmit={run}>
        <fieldset>
          <legend>Map with</legend>
          <label class="check">
            <input
              type="radio"
              name="target"
              checked={target === 'mapping'}
              onChange={() => setTarget('mapping')}
            />
            a mapping
          </label>
          <label class="check">
            <input
              type="radio"
              name="target"
              checked={target === 'source'}
              onChange={() => setTarget('source')}
            />
            every mapping of a system and object type
          </label>
          {target === 'mapping' ? (
            <div class="field">
              <label for="mapping">Mapping</label>
              <select
                id="mapping"
                value={chosen}
                onChange={(e) => setMapping((e.target as HTMLSelectElement).value)}
              >
                {list.map((m) => (
                  <option value={m.id}>
                    {m.id} ({m.system} {m.objectType}, {m.cases} golden case
                    {m.cases === 1 ? '' : 's'})
                  </option>
                ))}
              </select>
            </div>
          ) : (
            <>
              <label>
                System
                <input
                  value={system}
                  onInput={(e) => setSystem((e.target as HTMLInputElement).value)}
                />
              </label>
              <label>
                Object type
                <input
                  value={objectType}
                  onInput={(e) => setObjectType((e.target as HTMLInputElement).value)}
                />
              </label>
            </>
          )}
        </fieldset>
        <label for="payload">Payload (JSON or XML)</label>
        <textarea
          id="payload"
          rows={14}
          spellcheck={false}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
        <label>
          Or upload a JSON or XML file
          <input
            type="file"
            accept=".json,application/json,.xml,application/xml,text/xml"
            onChange={upload}
          />
        </label>
        <button type="submit" disabled={busy}>
          Dry-run
        </button>
      </form>
      <ErrorBox error={error} />
      {issues.length > 0 && parsed !== undefined && (
        <Highlighted payload={parsed} issues={issues} />
      )}
      {result && <Results exceptions={result} />}
      {target === 'mapping' && chosen && <GoldenCases mapping={chosen} />}
    </>
  );
}

/** The payload with every line of each value an issue points at marked. */
function Highlighted(props: { payload: unknown; issues: Issue[] }) {
  const lines = jsonLines(props.payload);
  const marks = props.issues
    .filter((i) => i.pointer.startsWith('/payload'))
    .map((i) => nearestPointer(lines, i.pointer.slice('/payload'.length)));
  if (marks.length === 0) return null;
  return (
    <Section title="Where in the payload">
      <pre class="json payload" tabIndex={0} aria-label="Payload with the problem highlighted">
        {lines.map((l) =>
          marks.some((m) => within(l, m)) ? (
            <mark data-pointer={l.pointer}>{`${l.text}\n`}</mark>
          ) : (
            `${l.text}\n`
          ),
        )}
      </pre>
    </Section>
  );
}

function Results(props: { exceptions: Exception[] }) {
  if (props.exceptions.length === 0) {
    return (
      <p role="status">
        No mapping matched: the pipeline would acknowledge the event and publish nothing.
      </p>
    );
  }
  return (
    <Section title={`Canonical exceptions (${props.exceptions.length})`} id="results">
      {props.exceptions.map((e) => (
        <article class="card">
          <h3>
            <Tier tier={e.priority.tier} /> {e.title}
          </h3>
          <PriorityDryRun exception={e} />
          <details>
            <summary>The whole exception</summary>
            <Json value={e} label="Canonical exception" />
          </details>
        </article>
      ))}
    </Section>
  );
}

function PriorityDryRun(props: { exception: Exception }) {
  const [x, setX] = useState<Explanation>();
  const [error, setError] = useState<unknown>();
  const run = async () => {
    setError(undefined);
    try {
      setX(await post<Explanation>('/v1/priority/dry-run', props.exception));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <button type="button" onClick={run}>
        Priority dry-run
      </button>
      <ErrorBox error={error} />
      {x && (
        <>
          <p>
            Score {x.priority.score.toFixed(2)}, tier {x.priority.tier}, route {x.priority.route},
            SLA target {x.slaTarget}; rules fired: {x.priority.rulesFired.join(', ') || 'none'}.
            {x.degradedReasons.length > 0 && ` Degraded: ${x.degradedReasons.join('; ')}.`}
          </p>
          <Waterfall score={x.priority.score} factors={x.priority.factors} />
        </>
      )}
    </>
  );
}

function GoldenCases(props: { mapping: string }) {
  const [report, setReport] = useState<{
    passed: number;
    failed: number;
    outcomes: CaseOutcome[];
  }>();
  const [error, setError] = useState<unknown>();
  const run = async () => {
    setError(undefined);
    try {
      setReport(await post(`/v1/mappings/${encodeURIComponent(props.mapping)}/cases`, {}));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Section title="Golden cases">
      <button type="button" onClick={run}>
        Run the golden cases of {props.mapping}
      </button>
      <ErrorBox error={error} />
      {report && (
        <>
          <p role="status">
            {report.passed} passed, {report.failed} failed.
          </p>
          <ul class="cases">
            {report.outcomes.map((o) => (
              <li class={o.passed ? 'pass' : 'fail'}>
                <strong>{o.passed ? 'PASS' : 'FAIL'}</strong> {o.name}{' '}
                <span class="sub">
                  {o.file}:{o.position.line}
                </span>
                {o.error && <p>{o.error}</p>}
                {o.differences.length > 0 && (
                  <ul>
                    {o.differences.map((d) => (
                      <li>
                        <code>{d.path}</code> {d.kind}: expected {JSON.stringify(d.expected)}, got{' '}
                        {JSON.stringify(d.actual)}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </Section>
  );
}
