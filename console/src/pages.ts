/** Templates, Schedules, Webhook and Usage pages. */
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api, problems, type Answer, type Json, text } from './api';
import { Badge } from './messages';

/** Loads `path` on mount and whenever `reload` is called; renders loading, the error, or `view`. */
function useLoad(path: string) {
  const [answer, setAnswer] = useState<Answer | null>(null);
  const reload = () => void api('GET', path).then(setAnswer);
  useEffect(reload, [path]);
  return { answer, reload };
}

const Failure = ({ answer }: { answer: Answer }) =>
  html`<p role="alert" class="error">${problems(answer).join('; ')}</p>`;

export function TemplatesPage() {
  const { answer } = useLoad('/v2/templates');
  const [open, setOpen] = useState<Json | null>(null);
  if (!answer)
    return html`<h1>Templates</h1>
      <p>Loading…</p>`;
  if (answer.status !== 200)
    return html`<h1>Templates</h1>
      <${Failure} answer=${answer} />`;
  const templates = (answer.body.templates as Json[] | undefined) ?? [];
  return html`<h1>Templates</h1>
    ${templates.length === 0 && html`<p>No templates yet: save one with the savemms action.</p>`}
    <ul class="cards">
      ${templates.map(
        (t) =>
          html`<li>
            <button class="link" onClick=${() => setOpen(t)} aria-expanded=${open === t}>
              ${text(t.name ?? t['template-id'])}
            </button>
            <${Badge} state=${t.state} />
            ${t['mms-id'] ? html`<code>mms-id ${text(t['mms-id'])}</code>` : ''}
          </li>`,
      )}
    </ul>
    ${
      open &&
      html`<section class="panel" aria-label="Template">
        <h2>${text(open.name ?? open['template-id'])}</h2>
        <p>
          State
          <${Badge}
            state=${open.state}
          />${open['failure-code'] ? html` <span class="error">${text(open['failure-code'])}: ${text(open['failure-info'] ?? '')}</span>` : ''}
        </p>
        <ol class="timeline">
          ${((open.history as Json[] | undefined) ?? []).map((h) => html`<li><time>${text(h.at)}</time> <strong>${text(h.event)}</strong> ${h.code ? html`<code>${text(h.code)}</code>` : ''}</li>`)}
        </ol>
      </section>`
    }`;
}

export function SchedulesPage() {
  const { answer, reload } = useLoad('/v2/schedules');
  const [message, setMessage] = useState('');
  const act = async (id: string, action: 'pause' | 'resume' | 'delete') => {
    if (action === 'delete' && !confirm(`Delete the recurring send ${id}? It never fires again.`)) return;
    const result =
      action === 'delete'
        ? await api('DELETE', `/v2/schedules/${encodeURIComponent(id)}`)
        : await api('POST', `/v2/schedules/${encodeURIComponent(id)}/${action}`);
    setMessage(result.status === 200 ? `${id}: ${text(result.body.state)}` : problems(result).join('; '));
    reload();
  };
  if (!answer)
    return html`<h1>Schedules</h1>
      <p>Loading…</p>`;
  if (answer.status !== 200)
    return html`<h1>Schedules</h1>
      <${Failure} answer=${answer} />`;
  const schedules = (answer.body.schedules as Json[] | undefined) ?? [];
  return html`<h1>Schedules</h1>
    ${message && html`<p role="status" class="notice">${message}</p>`}
    ${schedules.length === 0 && html`<p>No recurring sends: create one with POST /v2/schedules.</p>`}
    <table>
      <caption>
        Recurring sends, newest first
      </caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Schedule</th>
          <th scope="col">State</th>
          <th scope="col">Next firing</th>
          <th scope="col">Recipients</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        ${schedules.map((s) => {
          const id = text(s['schedule-id']);
          return html`<tr data-schedule=${id}>
            <td>${text(s.name ?? id)}</td>
            <td><code>${text(s.schedule)}</code> ${text(s.timezone ?? '')}</td>
            <td><${Badge} state=${s.state} /></td>
            <td>${text(s['next-firing-at'] ?? '—')}</td>
            <td>${text((s.recipients as unknown[] | undefined)?.length ?? 0)}</td>
            <td class="actions">
              ${
                s.state === 'enabled'
                  ? html`<button onClick=${() => void act(id, 'pause')}>Pause</button>`
                  : html`<button onClick=${() => void act(id, 'resume')}>Resume</button>`
              }
              <button class="danger" onClick=${() => void act(id, 'delete')}>Delete</button>
            </td>
          </tr>`;
        })}
      </tbody>
    </table>`;
}

export function WebhookPage() {
  const team = useLoad('/v2/team');
  const deliveries = useLoad('/v2/team/webhook/deliveries?limit=25');
  const [url, setUrl] = useState('');
  const [out, setOut] = useState<{ ok: boolean; lines: string[] } | null>(null);
  const [secret, setSecret] = useState('');
  const webhook = team.answer?.body.webhook as Json | null | undefined;
  const after = (answer: Answer, ok: (body: Json) => string[]) => {
    setOut(
      answer.status < 300 ? { ok: true, lines: ok(answer.body) } : { ok: false, lines: problems(answer) },
    );
    if (typeof answer.body.secret === 'string') setSecret(answer.body.secret);
    team.reload();
    deliveries.reload();
  };
  const save = async (e: Event) => {
    e.preventDefault();
    after(await api('PUT', '/v2/team/webhook', { url }), () => ['Webhook URL saved.']);
  };
  const test = async () =>
    after(await api('POST', '/v2/team/webhook/test'), (b) => [
      b.delivered
        ? `Delivered: HTTP ${text(b.status)} in ${text(b['latency-ms'])} ms`
        : `Not delivered: ${text(b.error ?? `HTTP ${text(b.status)}`)} after ${text(b['latency-ms'])} ms`,
      ...(b.answer ? [`Answer: ${text(b.answer).slice(0, 200)}`] : []),
    ]);
  const rotate = async () => {
    if (!confirm('Rotate the signing secret? The current one keeps signing for 24 hours.')) return;
    after(await api('POST', '/v2/team/webhook/rotate-secret'), () => [
      'New secret made; both sign for 24 hours.',
    ]);
  };
  const remove = async () => {
    if (!confirm('Remove the webhook? No more deliveries.')) return;
    after(await api('DELETE', '/v2/team/webhook'), () => ['Webhook removed.']);
  };
  const rows = (deliveries.answer?.body.deliveries as Json[] | undefined) ?? [];
  return html`<h1>Webhook</h1>
    <p>
      ${webhook ? html`Status events go to <code>${text(webhook.url)}</code>${webhook.rotating ? ` (secret rotation until ${text(webhook['previous-secret-expires-at'])})` : ''}.` : 'No webhook yet.'}
    </p>
    <form onSubmit=${save} class="inline">
      <label
        >Webhook URL<input
          name="url"
          type="url"
          required
          value=${url}
          placeholder=${webhook ? text(webhook.url) : 'https://…'}
          onInput=${(e: Event) => setUrl((e.target as HTMLInputElement).value)}
      /></label>
      <button type="submit">Save</button>
    </form>
    ${webhook && html`<p class="actions"><button onClick=${() => void test()}>Send a test ping</button> <button onClick=${() => void rotate()}>Rotate secret</button> <button class="danger" onClick=${() => void remove()}>Remove</button></p>`}
    ${secret && html`<div class="secret" role="status"><strong>Signing secret (shown once, store it now):</strong> <code>${secret}</code></div>`}
    ${out && html`<div role=${out.ok ? 'status' : 'alert'} class=${out.ok ? 'ok' : 'error'} id="webhook-result">${out.lines.map((l) => html`<p>${l}</p>`)}</div>`}
    <h2>Recent deliveries</h2>
    <table>
      <caption>
        Newest first
      </caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Event</th>
          <th scope="col">Outcome</th>
          <th scope="col">Status</th>
          <th scope="col">Latency</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (d) =>
            html`<tr>
              <td>${text(d.at)}</td>
              <td>
                ${text(d.event)}${d['tracking-id'] ? html`<br /><a href=${`#/message/${encodeURIComponent(text(d['tracking-id']))}`}>${text(d['tracking-id'])}</a>` : ''}
              </td>
              <td><${Badge} state=${d.outcome} /></td>
              <td>${text(d.status ?? '')}</td>
              <td>${text(d['latency-ms'])} ms</td>
              <td>${text(d.error ?? '')}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

const CHART_STATES = ['delivered', 'delivered-as-sms', 'failed', 'rejected', 'expired'] as const;

export function UsagePage() {
  const today = new Date().toISOString().slice(0, 10);
  const weekAgo = new Date(Date.now() - 13 * 86_400_000).toISOString().slice(0, 10);
  const [range, setRange] = useState({ since: weekAgo, until: today });
  const { answer } = useLoad(`/v2/usage?since=${range.since}&until=${range.until}`);
  const days = (answer?.body.days as Json[] | undefined) ?? [];
  const max = Math.max(
    1,
    ...days.map((d) =>
      Math.max(
        Number(d.accepted),
        CHART_STATES.reduce((n, s) => n + Number(d[s]), 0),
      ),
    ),
  );
  const w = 640;
  const h = 200;
  const bar = w / Math.max(1, days.length);
  return html`<h1>Usage</h1>
    <form class="inline" onSubmit=${(e: Event) => e.preventDefault()}>
      <label
        >Since<input
          type="date"
          value=${range.since}
          onChange=${(e: Event) => setRange({ ...range, since: (e.target as HTMLInputElement).value })}
      /></label>
      <label
        >Until<input
          type="date"
          value=${range.until}
          onChange=${(e: Event) => setRange({ ...range, until: (e.target as HTMLInputElement).value })}
      /></label>
    </form>
    ${answer && answer.status !== 200 && html`<${Failure} answer=${answer} />`}
    ${
      days.length > 0 &&
      html`<figure class="chart">
          <svg viewBox=${`0 0 ${w} ${h + 20}`} role="img" aria-label="Messages per day by final state">
            ${days.map((d, i) => {
              let y = h;
              return html`<g>
                ${CHART_STATES.map((s) => {
                  const height = (Number(d[s]) / max) * h;
                  y -= height;
                  return height > 0
                    ? html`<rect class=${`bar-${s}`} x=${i * bar + 2} y=${y} width=${bar - 4} height=${height}
                        ><title>${text(d.day)} ${s}: ${text(d[s])}</title></rect
                      >`
                    : '';
                })}
                <text x=${i * bar + bar / 2} y=${h + 14} text-anchor="middle">${text(d.day).slice(5)}</text>
              </g>`;
            })}
          </svg>
          <figcaption>
            ${CHART_STATES.map((s) => html`<span class=${`key bar-${s}`}>${s}</span> `)}
          </figcaption>
        </figure>
        <table>
          <caption>
            Per UTC day; estimated cost in ${text(answer?.body.currency ?? '')}
          </caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Accepted</th>
              <th scope="col">Refused</th>
              <th scope="col">Submitted</th>
              ${CHART_STATES.map((s) => html`<th scope="col">${s}</th>`)}
              <th scope="col">Cost</th>
            </tr>
          </thead>
          <tbody>
            ${days.map(
              (d) =>
                html`<tr>
                  <td>${text(d.day)}</td>
                  <td>${text(d.accepted)}</td>
                  <td>${text(d.refused)}</td>
                  <td>${text(d.submitted)}</td>
                  ${CHART_STATES.map((s) => html`<td>${text(d[s])}</td>`)}
                  <td>${text(d['estimated-cost'])}</td>
                </tr>`,
            )}
          </tbody>
        </table>`
    }`;
}
