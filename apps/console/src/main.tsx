import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  ApiFailure,
  forgetKey,
  get,
  roleAtLeast,
  setUnauthorizedHandler,
  storedKey,
  storeKey,
  api,
  type Role,
} from './api';
import type { Session } from './types';
import { Worklist } from './pages/worklist';
import { Detail } from './pages/detail';
import { Playground } from './pages/playground';
import { Operations } from './pages/operations';
import { Insights } from './pages/insights';
import './styles.css';

interface Page {
  path: string;
  label: string;
  role: Role;
}
const PAGES: Page[] = [
  { path: 'worklist', label: 'Worklist', role: 'viewer' },
  { path: 'playground', label: 'Mapping playground', role: 'steward' },
  { path: 'operations', label: 'Operations', role: 'operator' },
  { path: 'insights', label: 'Insights', role: 'viewer' },
];

/** The route is the hash (`#/exceptions/<id>`): no server fallback, and never the key. */
function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function SignIn(props: { onSession: (s: Session) => void; message?: string }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState(props.message ?? '');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const session = await api<Session>('GET', '/v1/session', undefined, key.trim());
      storeKey(key.trim());
      props.onSession(session);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>Exception Hub console</h1>
      <form onSubmit={submit}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          required
        />
        <p class="hint">
          Create one with <code>exhub keys create --role viewer --name you</code>. It is kept in
          this tab only (session storage) and sent as a header, never in a URL.
        </p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(storedKey() !== null);
  const [signInMessage, setSignInMessage] = useState<string | undefined>();
  const route = useRoute();

  useEffect(() => {
    setUnauthorizedHandler((message) => {
      forgetKey();
      setSession(null);
      setSignInMessage(message);
    });
    if (storedKey() === null) return;
    get<Session>('/v1/session')
      .then(setSession)
      .catch((err: ApiFailure) => setSignInMessage(err.message))
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <p class="loading">Checking your key…</p>;
  if (!session) return <SignIn onSession={(s) => setSession(s)} message={signInMessage} />;

  const [page = 'worklist', arg] = route;
  const current = page === 'exceptions' ? 'worklist' : page;
  const signOut = () => {
    forgetKey();
    setSession(null);
    setSignInMessage(undefined);
  };
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header>
        <span class="brand">Exception Hub</span>
        <nav aria-label="Console pages">
          {PAGES.filter((p) => roleAtLeast(session.role, p.role)).map((p) => (
            <a href={`#/${p.path}`} aria-current={current === p.path ? 'page' : undefined}>
              {p.label}
            </a>
          ))}
        </nav>
        <span class="who">
          {session.name} · <strong>{session.role}</strong>
        </span>
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page === 'exceptions' && arg ? (
          <Detail id={arg} role={session.role} />
        ) : page === 'playground' ? (
          <Playground />
        ) : page === 'operations' ? (
          <Operations />
        ) : page === 'insights' ? (
          <Insights />
        ) : (
          <Worklist />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
