/**
 * The web console: a team signs in with its key and uses the public API through the pages below. Preact + htm,
 * hash routing (#/messages, …), no asset from outside the gateway.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api, features, problems, session, type Answer, type Features, type Json, text } from './api';
import { ComposePage } from './compose';
import { MessagesPage, TimelinePage } from './messages';
import { SchedulesPage, TemplatesPage, UsagePage, WebhookPage } from './pages';

const PAGES = [
  ['messages', 'Messages'],
  ['compose', 'Compose'],
  ['templates', 'Templates'],
  ['schedules', 'Schedules'],
  ['webhook', 'Webhook'],
  ['usage', 'Usage'],
] as const;

const route = () => location.hash.replace(/^#\/?/, '') || 'messages';

function SignIn({ onSignedIn }: { onSignedIn: (team: Json) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const submit = async (event: Event) => {
    event.preventDefault();
    const answer = await api('GET', '/v2/team', undefined, key.trim());
    if (answer.status !== 200) {
      setError(
        answer.status === 401 || answer.status === 403
          ? 'This key is not valid.'
          : (problems(answer)[0] ?? ''),
      );
      return;
    }
    session.signIn(key.trim());
    onSignedIn(answer.body);
  };
  return html`<main class="signin">
    <h1>MMS gateway console</h1>
    <form onSubmit=${submit}>
      <label for="key">Team API key</label>
      <input
        id="key"
        type="password"
        autocomplete="off"
        required
        value=${key}
        onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)}
      />
      <button type="submit">Sign in</button>
      ${error && html`<p role="alert" class="error">${error}</p>`}
      <p class="hint">
        The key stays in this browser tab (session storage) and is sent only to this gateway.
      </p>
    </form>
  </main>`;
}

function App() {
  const [team, setTeam] = useState<Json | null>(null);
  const [checked, setChecked] = useState(false);
  const [page, setPage] = useState(route());
  const [offers, setOffers] = useState<Features>({ search: false, dryRun: false });
  useEffect(() => {
    const onHash = () => setPage(route());
    addEventListener('hashchange', onHash);
    void features().then(setOffers);
    if (session.key()) {
      void api('GET', '/v2/team').then((answer: Answer) => {
        if (answer.status === 200) setTeam(answer.body);
        else session.signOut();
        setChecked(true);
      });
    } else setChecked(true);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  if (!checked) return html`<p class="boot">Loading…</p>`;
  if (!team) return html`<${SignIn} onSignedIn=${setTeam} />`;
  const [name, arg] = page.split('/');
  const body = (() => {
    switch (name) {
      case 'compose':
        return html`<${ComposePage} team=${team} offers=${offers} />`;
      case 'templates':
        return html`<${TemplatesPage} />`;
      case 'schedules':
        return html`<${SchedulesPage} />`;
      case 'webhook':
        return html`<${WebhookPage} />`;
      case 'usage':
        return html`<${UsagePage} />`;
      case 'message':
        return html`<${TimelinePage} id=${decodeURIComponent(arg ?? '')} />`;
      default:
        return html`<${MessagesPage} offers=${offers} />`;
    }
  })();
  const signOut = () => {
    session.signOut();
    setTeam(null);
  };
  return html`<header>
      <span class="brand">MMS gateway</span>
      <nav aria-label="Pages">
        ${PAGES.map(
          ([id, label]) =>
            html`<a
              href=${`#/${id}`}
              aria-current=${name === id || (id === 'messages' && name === 'message') ? 'page' : undefined}
              >${label}</a
            >`,
        )}
      </nav>
      <span class="team">${text(team.team)} <button class="link" onClick=${signOut}>Sign out</button></span>
    </header>
    <main id="main">${body}</main>`;
}

render(html`<${App} />`, document.getElementById('app') as HTMLElement);
