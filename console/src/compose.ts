/** Compose: a sendmms with slides, group recipients and send-at; live validation by the dry run; a phone preview. */
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api, problems, type Features, type Json, text } from './api';

interface Slide {
  text: string;
  image: string;
}

const input = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);

export function ComposePage({ team, offers }: { team: Json; offers: Features }) {
  const senders = (team['allowed-senders'] as string[] | undefined) ?? [];
  const [to, setTo] = useState('');
  const [from, setFrom] = useState(senders[0] ?? '');
  const [subject, setSubject] = useState('');
  const [fallback, setFallback] = useState('');
  const [sendAt, setSendAt] = useState('');
  const [reference, setReference] = useState('');
  const [slides, setSlides] = useState<Slide[]>([{ text: '', image: '' }]);
  const [check, setCheck] = useState<{ ok: boolean; lines: string[] } | null>(null);
  const [result, setResult] = useState<{ ok: boolean; lines: string[] } | null>(null);
  const [sending, setSending] = useState(false);

  const recipients = to.split(/[\s,;]+/).filter((n) => n !== '');
  const body = (): Json => ({
    action: 'sendmms',
    to: recipients.length > 1 ? recipients : (recipients[0] ?? ''),
    from,
    ...(subject ? { 'message-subject': subject } : {}),
    ...(fallback ? { 'fallback-sms-text': fallback } : {}),
    ...(reference ? { 'client-reference': reference } : {}),
    ...(sendAt ? { 'send-at': new Date(sendAt).toISOString() } : {}),
    slide: slides.map((s) => ({
      ...(s.text ? { 'message-text': s.text } : {}),
      ...(s.image ? { image: { url: s.image } } : {}),
    })),
  });

  // Live validation through the dry run, only where the gateway documents it (an older gateway would send).
  useEffect(() => {
    if (!offers.dryRun || recipients.length === 0) {
      setCheck(null);
      return;
    }
    const timer = setTimeout(() => {
      void api('POST', '/v2/?dry-run=true', body()).then((answer) => {
        if (answer.status === 404)
          setCheck({ ok: false, lines: ['The dry run is not available on this gateway (404).'] });
        else if (answer.status === 200)
          setCheck({ ok: true, lines: ['Valid: the gateway would accept this message.'] });
        else setCheck({ ok: false, lines: problems(answer) });
      });
    }, 400);
    return () => clearTimeout(timer);
  }, [to, from, subject, fallback, sendAt, reference, JSON.stringify(slides), offers.dryRun]);

  const send = async (event: Event) => {
    event.preventDefault();
    setSending(true);
    const answer = await api('POST', '/v2/', body());
    setSending(false);
    if (answer.status !== 202 && answer.status !== 200) {
      setResult({ ok: false, lines: problems(answer) });
      return;
    }
    const ids = Array.isArray(answer.body.messages)
      ? (answer.body.messages as Json[]).map((m) => text(m['tracking-id']))
      : [text(answer.body['tracking-id'])];
    setResult({ ok: true, lines: ids });
    if (ids.length === 1) location.hash = `#/message/${encodeURIComponent(ids[0] ?? '')}`;
  };

  const setSlide = (i: number, patch: Partial<Slide>) =>
    setSlides(slides.map((s, j) => (j === i ? { ...s, ...patch } : s)));

  return html`<h1>Compose</h1>
    <div class="compose">
      <form onSubmit=${send} aria-describedby="validation">
        <label
          >To (one number, or several separated by commas for a group)<input
            name="to"
            required
            inputmode="numeric"
            value=${to}
            onInput=${input(setTo)}
        /></label>
        <label
          >From<select name="from" value=${from} onChange=${input(setFrom)}>
            ${senders.map((s) => html`<option value=${s}>${s}</option>`)}
          </select></label
        >
        <label>Subject<input name="subject" value=${subject} onInput=${input(setSubject)} /></label>
        ${slides.map(
          (s, i) =>
            html`<fieldset>
              <legend>Slide ${i + 1}</legend>
              <label
                >Text<textarea
                  name=${`slide-${i}-text`}
                  rows="3"
                  value=${s.text}
                  onInput=${(e: Event) => setSlide(i, { text: (e.target as HTMLTextAreaElement).value })}
                ></textarea>
              </label>
              <label
                >Image URL<input
                  name=${`slide-${i}-image`}
                  type="url"
                  value=${s.image}
                  onInput=${(e: Event) => setSlide(i, { image: (e.target as HTMLInputElement).value })}
              /></label>
              ${slides.length > 1 && html`<button type="button" class="link" onClick=${() => setSlides(slides.filter((_, j) => j !== i))}>Remove slide ${i + 1}</button>`}
            </fieldset>`,
        )}
        ${slides.length < 8 && html`<button type="button" onClick=${() => setSlides([...slides, { text: '', image: '' }])}>Add a slide</button>`}
        <label
          >Fallback SMS text<input name="fallback" value=${fallback} onInput=${input(setFallback)}
        /></label>
        <label
          >Send at (optional, your local time)<input
            name="send-at"
            type="datetime-local"
            value=${sendAt}
            onInput=${input(setSendAt)}
        /></label>
        <label
          >Client reference<input name="client-reference" value=${reference} onInput=${input(setReference)}
        /></label>
        <div id="validation" aria-live="polite">
          ${!offers.dryRun && html`<p class="notice">Live validation needs the dry run (POST /v2/?dry-run=true), which this gateway does not offer yet; the message is checked when you send it.</p>`}
          ${
            check &&
            html`<ul class=${check.ok ? 'ok' : 'error'}>
              ${check.lines.map((l) => html`<li>${l}</li>`)}
            </ul>`
          }
        </div>
        <button type="submit" disabled=${sending}>${sending ? 'Sending…' : 'Send'}</button>
        ${
          result &&
          html`<div role=${result.ok ? 'status' : 'alert'} class=${result.ok ? 'ok' : 'error'}>
            ${result.ok ? 'Accepted: ' : 'Refused: '}
            <ul>
              ${result.lines.map((l) => html`<li>${result.ok ? html`<a href=${`#/message/${encodeURIComponent(l)}`}>${l}</a>` : l}</li>`)}
            </ul>
          </div>`
        }
      </form>
      <${Phone} subject=${subject} slides=${slides} />
    </div>`;
}

/** A phone-shaped preview: subject, then each slide's image (a placeholder: no remote asset is loaded) and text. */
export const Phone = ({ subject, slides }: { subject: string; slides: Slide[] }) =>
  html`<figure class="phone" aria-label="Preview on a phone">
    <div class="screen">
      ${subject && html`<p class="subject">${subject}</p>`}
      ${slides.map(
        (s) =>
          html`<div class="bubble">
            ${s.image && html`<div class="image" title=${s.image}>Image: ${s.image.split('/').pop()}</div>`}
            ${s.text && html`<p>${s.text}</p>`}
          </div>`,
      )}
    </div>
    <figcaption>Preview</figcaption>
  </figure>`;
