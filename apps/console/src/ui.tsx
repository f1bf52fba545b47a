import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiFailure, type Issue } from './api';

/** An error as people read it: the sentence, then every issue with its place. */
export function ErrorBox(props: { error: unknown }) {
  if (!props.error) return null;
  const err = props.error as Error;
  const issues: Issue[] = err instanceof ApiFailure ? err.issues : [];
  return (
    <div role="alert" class="error">
      <p>{err.message}</p>
      {issues.length > 0 && (
        <ul>
          {issues.map((i) => (
            <li>
              <code>{i.pointer || '/'}</code> {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export interface Async<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Loads `load()` now and whenever `deps` change; `reload` again on demand. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({
    loading: true,
  });
  const run = useCallback(async () => {
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await load();
      setState({ data, loading: false });
    } catch (error) {
      setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, deps);
  useEffect(() => {
    void run();
  }, [run]);
  return { ...state, reload: run };
}

export function Tier(props: { tier: string }) {
  return <span class={`tier tier-${props.tier.toLowerCase()}`}>{props.tier}</span>;
}

export function Section(props: { title: string; children: ComponentChildren; id?: string }) {
  const id = props.id ?? props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** JSON shown as text, indented. */
export function Json(props: { value: unknown; label: string }) {
  return (
    <pre class="json" tabIndex={0} aria-label={props.label}>
      {JSON.stringify(props.value, null, 2)}
    </pre>
  );
}
