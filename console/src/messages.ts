/** Messages: search (where the gateway offers it), look-up by id, and one message's timeline. */
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api, problems, type Features, type Json, text } from './api';

const FINAL = ['delivered', 'delivered-as-sms', 'failed', 'rejected', 'expired', 'canceled', 'unknown'];
export const STATES = ['queued', 'scheduled', 'submitting', 'submitted', 'sent', ...FINAL];

export const Badge = ({ state }: { state: unknown }) =>
  html`<span class=${`badge badge-${text(state)}`}>${text(state)}</span>`;

const FILTERS = [
  ['state', 'State'],
  ['since', 'Since'],
  ['until', 'Until'],
  ['to', 'To'],
  ['client-reference', 'Client reference'],
  ['group-id', 'Group id'],
  ['schedule-id', 'Schedule id'],
] as const;

export function MessagesPage({ offers }: { offers: Features }) {
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [rows, setRows] = useState<Json[] | null>(null);
  const [next, setNext] = useState<string | undefined>();
  const [notice, setNotice] = useState('');
  const [id, setId] = useState('');
  const search = async (cursor?: string) => {
    setNotice('');
    const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v.trim() !== ''));
    if (cursor) query.set('cursor', cursor);
    if (!offers.search && !query.has('client-reference')) {
      setNotice(
        'Message search (GET /v2/messages with filters) is not available on this gateway yet. Look a message up by its tracking-id, or search by client reference.',
      );
      return;
    }
    query.set('limit', '25');
    const answer = await api('GET', `/v2/messages?${query.toString()}`);
    if (answer.status === 404) {
      setNotice('Message search is not available on this gateway (404).');
      return;
    }
    if (answer.status !== 200) {
      setNotice(problems(answer).join('; '));
      return;
    }
    const found = (answer.body.messages as Json[] | undefined) ?? [];
    setRows(cursor ? [...(rows ?? []), ...found] : found);
    setNext(typeof answer.body['next-cursor'] === 'string' ? answer.body['next-cursor'] : undefined);
  };
  const field = (name: string, label: string) =>
    name === 'state'
      ? html`<label
          >${label}<select
            name=${name}
            value=${filters[name] ?? ''}
            onChange=${(e: Event) => setFilters({ ...filters, [name]: (e.target as HTMLSelectElement).value })}
          >
            <option value="">any</option>
            ${STATES.map((s) => html`<option value=${s}>${s}</option>`)}
          </select></label
        >`
      : html`<label
          >${label}<input
            name=${name}
            type=${name === 'since' || name === 'until' ? 'datetime-local' : 'text'}
            value=${filters[name] ?? ''}
            onInput=${(e: Event) => setFilters({ ...filters, [name]: (e.target as HTMLInputElement).value })}
        /></label>`;
  return html`<h1>Messages</h1>
    <form
      class="lookup"
      onSubmit=${(e: Event) => {
        e.preventDefault();
        if (id.trim()) location.hash = `#/message/${encodeURIComponent(id.trim())}`;
      }}
    >
      <label
        >Tracking id<input
          name="tracking-id"
          value=${id}
          onInput=${(e: Event) => setId((e.target as HTMLInputElement).value)}
      /></label>
      <button type="submit">Open</button>
    </form>
    <form
      class="filters"
      onSubmit=${(e: Event) => {
        e.preventDefault();
        void search();
      }}
    >
      ${FILTERS.map(([name, label]) => field(name, label))}
      <button type="submit">Search</button>
    </form>
    ${notice && html`<p role="status" class="notice">${notice}</p>`}
    ${
      rows &&
      html`<table>
        <caption>
          ${rows.length} message(s), newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Tracking id</th>
            <th scope="col">State</th>
            <th scope="col">To</th>
            <th scope="col">Reference</th>
            <th scope="col">Accepted</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (m) =>
              html`<tr>
                <td>
                  <a href=${`#/message/${encodeURIComponent(text(m['tracking-id']))}`}
                    >${text(m['tracking-id'])}</a
                  >
                </td>
                <td><${Badge} state=${m.state} /></td>
                <td>${text(m.to ?? '')}</td>
                <td>${text(m['client-reference'] ?? '')}</td>
                <td>${text(m['accepted-at'] ?? m['created-at'] ?? '')}</td>
              </tr>`,
          )}
        </tbody>
      </table>`
    }
    ${next && html`<button onClick=${() => void search(next)}>More</button>`}`;
}

/** One message: its state and every step of its history (attempts, postbacks, webhook deliveries), live. */
export function TimelinePage({ id }: { id: string }) {
  const [message, setMessage] = useState<Json | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      const answer = await api('GET', `/v2/messages/${encodeURIComponent(id)}`);
      if (stop) return;
      if (answer.status !== 200) {
        setError(problems(answer).join('; '));
        return;
      }
      setMessage(answer.body);
      // Follow the message until it is final, and a little longer for its webhook deliveries.
      if (
        !FINAL.includes(text(answer.body.state)) ||
        Date.now() - Date.parse(text(answer.body['updated-at'] ?? 0)) < 10_000
      ) {
        timer = setTimeout(() => void load(), 1000);
      }
    };
    void load();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [id]);
  if (error)
    return html`<h1>Message</h1>
      <p role="alert" class="error">${error}</p>`;
  if (!message)
    return html`<h1>Message</h1>
      <p>Loading…</p>`;
  const history = (message.history as Json[] | undefined) ?? [];
  return html`<h1>Message <code>${id}</code></h1>
    <p class="state" aria-live="polite">
      State:
      <${Badge} state=${message.state} />
      ${message['last-error-code'] ? html` <span class="error">${text(message['last-error-code'])}: ${text(message['last-error-info'] ?? '')}</span>` : ''}
    </p>
    <dl class="facts">
      <dt>To</dt>
      <dd>${text(message.to ?? '')}</dd>
      <dt>Attempts</dt>
      <dd>${text(message.attempts ?? 0)}</dd>
      ${
        message['client-reference']
          ? html`<dt>Client reference</dt>
              <dd>${text(message['client-reference'])}</dd>`
          : ''
      }
      ${
        message['send-at']
          ? html`<dt>Send at</dt>
              <dd>${text(message['send-at'])}</dd>`
          : ''
      }
    </dl>
    <h2>Timeline</h2>
    <ol class="timeline">
      ${history.map(
        (h) =>
          html`<li class=${text(h.event).startsWith('webhook') ? 'webhook' : ''}>
            <time>${text(h.at ?? '')}</time> <strong>${text(h.event)}</strong>
            ${h.state ? html` <${Badge} state=${h.state} />` : ''}
            ${h.code ? html` <code>${text(h.code)}</code>` : ''}
            ${h.detail ? html` <span class="detail">${text(h.detail)}</span>` : ''}
          </li>`,
      )}
    </ol>`;
}
