/**
 * The pacing picture, hand-written SVG: one panel per run, Sinch requests per second over time (the count in
 * the trailing 1 s window, the same window the simulator's limit uses, sampled every 100 ms), the account limit
 * as a dashed line, and the E113 answers of each second as red bars.
 */

export interface ChartPanel {
  readonly title: string;
  readonly color: string;
  /** Arrival times of every send request, seconds from the run's start. */
  readonly requestTimesS: readonly number[];
  readonly e113TimesS: readonly number[];
  /** The rate the design aims for (the gateway's pacing target), drawn dotted. */
  readonly targetPerS?: number;
  readonly summary: string;
  /** Where the run ended (seconds): the line stops there. */
  readonly endS: number;
}

const PANEL_WIDTH = 540;
const PANEL_HEIGHT = 170;
const LEFT = 46;
const RIGHT = 18;
const HEADER = 78;
/** Room above a panel for its title and summary lines, and below it for the x labels. */
const PANEL_TOP = 40;
const PANEL_BOTTOM = 30;
const SAMPLE_MS = 100;

const esc = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const niceStep = (range: number, ticks: number): number => {
  const raw = range / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  return step;
};

/** Requests in the trailing 1 s window, every SAMPLE_MS, from 0 to `endS`. */
function slidingRate(timesS: readonly number[], endS: number): number[] {
  const times = [...timesS].sort((a, b) => a - b);
  const out: number[] = [];
  let lo = 0;
  let hi = 0;
  for (let t = 0; t <= endS * 1000 + 1e-9; t += SAMPLE_MS) {
    const now = t / 1000;
    while (hi < times.length && (times[hi] ?? 0) <= now) hi += 1;
    while (lo < hi && (times[lo] ?? 0) <= now - 1) lo += 1;
    out.push(hi - lo);
  }
  return out;
}

function perSecond(timesS: readonly number[]): Map<number, number> {
  const bins = new Map<number, number>();
  for (const t of timesS) bins.set(Math.floor(t), (bins.get(Math.floor(t)) ?? 0) + 1);
  return bins;
}

/**
 * Panels on a grid (`column`, `row`), sharing both scales: e.g. the gateway in the left column and the naive
 * design in the right one, one row per worker count.
 */
export function pacingChart({
  title,
  subtitle,
  limitPerS,
  panels,
}: {
  title: string;
  subtitle: string;
  limitPerS: number;
  panels: ReadonlyArray<ChartPanel & { readonly column: number; readonly row: number }>;
}): string {
  const endS = Math.max(5, ...panels.map((p) => Math.ceil(p.endS)));
  const xStep = niceStep(endS, 8);
  const xMax = Math.ceil(endS / xStep) * xStep;
  const rates = panels.map((p) => slidingRate(p.requestTimesS, p.endS));
  const e113Bins = panels.map((p) => perSecond(p.e113TimesS));
  const highest = Math.max(
    limitPerS * 1.4,
    ...rates.map((r) => Math.max(0, ...r)),
    ...e113Bins.map((b) => Math.max(0, ...b.values())),
  );
  const yStep = niceStep(highest, 5);
  const yMax = Math.ceil(highest / yStep) * yStep;
  const columns = Math.max(1, ...panels.map((p) => p.column + 1));
  const rows = Math.max(1, ...panels.map((p) => p.row + 1));
  const cellWidth = LEFT + PANEL_WIDTH + RIGHT;
  const cellHeight = PANEL_TOP + PANEL_HEIGHT + PANEL_BOTTOM;
  const width = columns * cellWidth;
  const height = HEADER + rows * cellHeight + 10;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="24" font-size="17" font-weight="600" fill="#111">${esc(title)}</text>`,
    `<text x="${LEFT}" y="44" fill="#555">${esc(subtitle)}</text>`,
    `<text x="${LEFT}" y="62" fill="#555">x: seconds since the workers started · line: requests to Sinch in the trailing second · red bars: E113 answers per second · dashes: the limit · dots: the gateway's target</text>`,
  ];

  panels.forEach((panel, index) => {
    const left = panel.column * cellWidth + LEFT;
    const right = left + PANEL_WIDTH;
    const top = HEADER + panel.row * cellHeight + PANEL_TOP;
    const bottom = top + PANEL_HEIGHT;
    const x = (s: number) => left + (s / xMax) * PANEL_WIDTH;
    const y = (v: number) => bottom - (v / yMax) * PANEL_HEIGHT;
    out.push(
      `<g>`,
      `<text x="${left}" y="${top - 22}" font-weight="600" fill="${panel.color}">${esc(panel.title)}</text>`,
      `<text x="${left}" y="${top - 7}" fill="#333">${esc(panel.summary)}</text>`,
    );
    for (let v = 0; v <= yMax + 1e-9; v += yStep) {
      out.push(
        `<line x1="${left}" x2="${right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e8e8e8"/>`,
        `<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#666">${v}</text>`,
      );
    }
    for (let s = 0; s <= xMax + 1e-9; s += xStep) {
      out.push(
        `<line x1="${x(s).toFixed(1)}" x2="${x(s).toFixed(1)}" y1="${bottom}" y2="${bottom + 4}" stroke="#999"/>`,
        `<text x="${x(s).toFixed(1)}" y="${bottom + 16}" text-anchor="middle" fill="#666">${s}</text>`,
      );
    }
    out.push(`<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="#999"/>`);
    // E113 answers per second, as bars on the same scale.
    const barWidth = Math.max(1, PANEL_WIDTH / xMax - 1.5);
    for (const [second, count] of e113Bins[index] ?? []) {
      if (second >= xMax) continue;
      out.push(
        `<rect x="${(x(second) + 0.75).toFixed(1)}" y="${y(count).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(bottom - y(count)).toFixed(1)}" fill="#d62728" fill-opacity="0.55"><title>${count} E113 in second ${second}</title></rect>`,
      );
    }
    const limitY = y(limitPerS).toFixed(1);
    out.push(
      `<line x1="${left}" x2="${right}" y1="${limitY}" y2="${limitY}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      `<text x="${right - 4}" y="${(Number(limitY) - 4).toFixed(1)}" text-anchor="end" fill="#d62728">limit ${limitPerS}/s</text>`,
    );
    if (panel.targetPerS !== undefined) {
      const targetY = y(panel.targetPerS).toFixed(1);
      out.push(
        `<line x1="${left}" x2="${right}" y1="${targetY}" y2="${targetY}" stroke="#2ca02c" stroke-width="1.2" stroke-dasharray="2 3"><title>pacing target ${panel.targetPerS}/s</title></line>`,
      );
    }
    const points = (rates[index] ?? [])
      .map((v, i) => `${x((i * SAMPLE_MS) / 1000).toFixed(1)},${y(v).toFixed(1)}`)
      .join(' ');
    out.push(
      `<polyline points="${points}" fill="none" stroke="${panel.color}" stroke-width="1.6" stroke-linejoin="round"/>`,
      `</g>`,
    );
  });
  out.push(`</svg>`);
  return `${out.join('\n')}\n`;
}
