import { useEffect, useRef, useState } from 'preact/hooks';
import { get, query } from '../api';
import { due, money } from '../format';
import { ENUMS, type Exception, type WorklistPage } from '../types';
import { ErrorBox, Tier } from '../ui';

/** Live refresh of the loaded pages (polling; paused while the tab is hidden). */
const REFRESH_MS = 5000;
const PAGE_SIZE = '200';
/** Rows have a fixed height, so only the rows in view are in the DOM (see VirtualRows). */
const ROW_HEIGHT = 60;
/** Rows rendered above and below the visible ones, so a quick scroll shows no gap. */
const OVERSCAN = 10;

interface Filters {
  domain: string;
  type: string;
  tier: string;
  status: string;
  party: string;
}
const NO_FILTERS: Filters = { domain: '', type: '', tier: '', status: 'open', party: '' };

/**
 * The ranked worklist: the API's order (score, highest first), paged by its cursor. "Load more"
 * appends the next page; the live refresh re-reads as many pages as are shown, so rows that were
 * resolved elsewhere leave and new ones take their place.
 */
export function Worklist() {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [rows, setRows] = useState<Exception[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [pages, setPages] = useState(1);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [updatedAt, setUpdatedAt] = useState<Date | undefined>();
  const [live, setLive] = useState(true);
  const [now, setNow] = useState(Date.now());
  const generation = useRef(0);

  const params = (cursor?: string) =>
    query({
      domain: filters.domain,
      type: filters.type,
      tier: filters.tier,
      status: filters.status,
      party: filters.party.trim(),
      limit: PAGE_SIZE,
      cursor,
    });

  /** Reads `count` pages from the first; a newer call wins over an older one still running. */
  const load = async (count: number) => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const items: Exception[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < count; i++) {
        const page = await get<WorklistPage>(`/v1/exceptions${params(cursor)}`);
        items.push(...page.items);
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      if (mine !== generation.current) return;
      setRows(items);
      setNext(cursor);
      setError(undefined);
      setUpdatedAt(new Date());
      setNow(Date.now());
    } catch (err) {
      if (mine === generation.current) setError(err);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  };

  useEffect(() => {
    setPages(1);
    void load(1);
  }, [filters]);

  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (!document.hidden) void load(pages);
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [live, pages, filters]);

  const loadMore = async () => {
    if (!next) return;
    const mine = ++generation.current;
    setLoading(true);
    try {
      const page = await get<WorklistPage>(`/v1/exceptions${params(next)}`);
      if (mine !== generation.current) return;
      setRows((r) => [...r, ...page.items]);
      setNext(page.nextCursor);
      setPages((p) => p + 1);
    } catch (err) {
      setError(err);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  };

  const set = (name: keyof Filters) => (e: Event) =>
    setFilters({ ...filters, [name]: (e.target as HTMLInputElement).value });
  const select = (name: keyof Filters, label: string, options: string[]) => (
    <label>
      {label}
      <select value={filters[name]} onChange={set(name)}>
        <option value="">any</option>
        {options.map((o) => (
          <option value={o}>{o}</option>
        ))}
      </select>
    </label>
  );

  return (
    <>
      <h1>Worklist</h1>
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        {select('domain', 'Domain', ENUMS.domains)}
        {select('type', 'Type', ENUMS.types)}
        {select('tier', 'Tier', ENUMS.tiers)}
        {select('status', 'Status', ENUMS.statuses)}
        <label>
          Party
          <input
            type="search"
            value={filters.party}
            placeholder="party id"
            onChange={set('party')}
          />
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={live}
            onChange={(e) => setLive((e.target as HTMLInputElement).checked)}
          />
          Live refresh
        </label>
      </form>
      <p class="status" aria-live="polite">
        {loading ? 'Loading…' : `${rows.length} shown${next ? ', more available' : ''}`}
        {updatedAt && ` · updated ${updatedAt.toLocaleTimeString('en-GB')}`}
      </p>
      <ErrorBox error={error} />
      <VirtualTable rows={rows} now={now} />
      {rows.length === 0 && !loading && !error && <p>No exceptions match these filters.</p>}
      {next && (
        <button type="button" onClick={loadMore} disabled={loading}>
          Load more
        </button>
      )}
    </>
  );
}

/**
 * The rows as a table in a scrolling box, with only the rows in view (plus OVERSCAN) rendered:
 * the cost of a refresh or of another page does not grow with the number of rows loaded.
 * aria-rowcount / aria-rowindex tell assistive technology the whole table's size.
 */
function VirtualTable({ rows, now }: { rows: Exception[]; now: number }) {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let frame = 0;
    const measure = () => {
      frame = 0;
      setView({ top: el.scrollTop, height: el.clientHeight });
    };
    const onScroll = () => {
      if (!frame) frame = requestAnimationFrame(measure);
    };
    measure();
    el.addEventListener('scroll', onScroll, { passive: true });
    addEventListener('resize', onScroll);
    return () => {
      el.removeEventListener('scroll', onScroll);
      removeEventListener('resize', onScroll);
      if (frame) cancelAnimationFrame(frame);
    };
  }, []);
  const first = Math.max(0, Math.floor(view.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((view.top + view.height) / ROW_HEIGHT) + OVERSCAN);
  return (
    <div class="scroll" ref={box} tabIndex={0} aria-label="Worklist rows (scrolls)" role="region">
      <table class="worklist" aria-rowcount={rows.length + 1}>
        <caption class="sr-only">Exceptions by score, highest first</caption>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col">Score</th>
            <th scope="col">Tier</th>
            <th scope="col">Exception</th>
            <th scope="col">Due</th>
            <th scope="col">Amount</th>
            <th scope="col">Party</th>
            <th scope="col">Top factors</th>
          </tr>
        </thead>
        <tbody>
          {first > 0 && <Spacer rows={first} />}
          {rows.slice(first, last).map((e, i) => (
            <Row key={e.id} e={e} now={now} index={first + i + 2} />
          ))}
          {last < rows.length && <Spacer rows={rows.length - last} />}
        </tbody>
      </table>
    </div>
  );
}

/** Stands in for rows out of view, so the scroll bar is as long as the whole list. */
function Spacer({ rows }: { rows: number }) {
  return (
    <tr class="spacer" aria-hidden="true">
      <td colSpan={7} style={{ height: `${rows * ROW_HEIGHT}px` }} />
    </tr>
  );
}

function Row({ e, now, index }: { e: Exception; now: number; index: number }) {
  const d = due(e.dueAt, now);
  const party = e.parties?.[0];
  return (
    <tr data-id={e.id} aria-rowindex={index}>
      <td class="num">{e.priority.score.toFixed(1)}</td>
      <td>
        <Tier tier={e.priority.tier} />
      </td>
      <td class="title">
        <a href={`#/exceptions/${encodeURIComponent(e.id)}`}>{e.title}</a>
        <div class="sub">
          {e.type} · {e.status}
        </div>
      </td>
      <td class={d.overdue ? 'overdue' : ''}>{d.text}</td>
      <td class="num">{money(e.amount)}</td>
      <td>{party ? (party.name ?? party.id) : '—'}</td>
      <td class="factors">
        {e.priority.factors.slice(0, 2).map((f) => (
          <div>{f.detail}</div>
        ))}
      </td>
    </tr>
  );
}
