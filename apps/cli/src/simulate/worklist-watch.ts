/**
 * Keeps the worklist on screen: fetch, render, redraw every interval until stopped. On a
 * terminal it redraws in place (cursor home + clear); elsewhere it writes plain snapshots.
 */
import type { CanonicalException } from '@exhub/canonical';
import { colorEnabled } from '../conventions';
import { SimulateError } from './types';
import { renderWorklist } from './worklist-view';

const CLEAR = '\x1b[H\x1b[2J';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/**
 * The width to render for: the terminal's columns, else `COLUMNS`, else unlimited — piped into a
 * file, `grep` or `less`, every column is kept and no row is cut.
 */
export function columnsOf(
  out: { isTTY?: boolean; columns?: number },
  env: NodeJS.ProcessEnv = process.env,
): number {
  if (out.isTTY && out.columns) return out.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : Number.POSITIVE_INFINITY;
}

export interface WatchOptions {
  fetch(): Promise<CanonicalException[]>;
  title: string;
  intervalMs: number;
  out?: NodeJS.WriteStream;
  /** Extra lines under the title on every redraw (e.g. the scenario's progress). */
  status?(): string[];
  signal?: AbortSignal;
}

/** One frame as text: what `exhub worklist` prints when it is not watching or not on a TTY. */
export async function snapshot(o: Omit<WatchOptions, 'intervalMs' | 'signal'>): Promise<string> {
  const items = await o.fetch();
  const out = o.out ?? process.stdout;
  return `${renderWorklist({
    items,
    width: columnsOf(out),
    now: new Date(),
    title: o.title,
    status: o.status?.(),
    color: colorEnabled(out),
  }).join('\n')}\n`;
}

/**
 * Redraws until `signal` aborts. A failed fetch is shown in the status lines and retried (the
 * hub may be restarting), except a refused API key, which ends the watch with its error.
 */
export async function watchWorklist(o: WatchOptions): Promise<void> {
  const out = o.out ?? process.stdout;
  let items: CanonicalException[] = [];
  let error: string | undefined;
  if (out.isTTY) out.write(HIDE_CURSOR);
  try {
    while (!o.signal?.aborted) {
      try {
        items = await o.fetch();
        error = undefined;
      } catch (err) {
        if (err instanceof SimulateError && /API key/.test(err.message)) throw err;
        error = `! ${(err as Error).message}`;
      }
      const lines = renderWorklist({
        items,
        width: columnsOf(out),
        now: new Date(),
        title: `${o.title} · ${new Date().toISOString().slice(11, 19)}Z`,
        status: [...(o.status?.() ?? []), ...(error ? [error] : [])],
        color: colorEnabled(out),
      });
      const rows = out.rows || lines.length;
      out.write(
        `${out.isTTY ? CLEAR : '\n'}${lines.slice(0, out.isTTY ? rows - 1 : undefined).join('\n')}\n`,
      );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, o.intervalMs);
        o.signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  } finally {
    if (out.isTTY) out.write(SHOW_CURSOR);
  }
}
