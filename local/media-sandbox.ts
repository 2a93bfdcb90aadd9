/**
 * The local media sandbox: sample media files (generated here, no binary assets) on a 127.0.0.1 port, so the
 * media preflight can be tried and tested without a network. `npm start` prints its URL; the local runtime
 * allows its origin, and only its origin, as a media host (MEDIA_LOCAL_ORIGINS, refused in AWS).
 *
 * Good samples: sample.png, sample.gif, sample.mp3, sample.mp4, contact.vcf, event.ics, document.pdf,
 * head-405.png (answers HEAD 405, GET 200), redirect-1.png (one redirect to sample.png).
 * Bad samples: chunked.png (chunked, no Content-Length), oversized.jpg (larger than the image limit),
 * octet.bin (application/octet-stream), redirect-2.png (two redirects), redirect-private.png (a redirect to a
 * private address), slow.png (never answers), missing.png (404).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';

const pngChunk = (type: string, data: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};

/** A valid 2×2 RGB PNG. */
export function samplePng(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit, RGB, deflate, no filter method variant, no interlace
  const row = Buffer.from([0, 255, 0, 0, 0, 0, 255]); // filter byte + two RGB pixels
  const pixels = deflateSync(Buffer.concat([row, row]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', pixels),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A valid 1×1 GIF89a. */
export const sampleGif = (): Buffer =>
  Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

/** Four silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each). */
export const sampleMp3 = (): Buffer =>
  Buffer.concat(
    Array.from({ length: 4 }, () => {
      const frame = Buffer.alloc(417);
      frame.set([0xff, 0xfb, 0x90, 0x64]);
      return frame;
    }),
  );

/** An MP4 container: `ftyp` (isom) and an empty `mdat`. */
export function sampleMp4(): Buffer {
  const box = (type: string, data: Buffer) => {
    const size = Buffer.alloc(4);
    size.writeUInt32BE(8 + data.length);
    return Buffer.concat([size, Buffer.from(type, 'ascii'), data]);
  };
  return Buffer.concat([
    box('ftyp', Buffer.concat([Buffer.from('isom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2mp41')])),
    box('mdat', Buffer.alloc(0)),
  ]);
}

const VCARD =
  'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Sample Contact\r\nTEL;TYPE=CELL:+15550000001\r\nEND:VCARD\r\n';
const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//mms-gateway//media sandbox//EN',
  'BEGIN:VEVENT',
  'UID:sample@mms-gateway.local',
  'DTSTAMP:20260101T090000Z',
  'DTSTART:20260101T100000Z',
  'SUMMARY:Sample event',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

/** A one-page PDF with a valid cross-reference table. */
export function samplePdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Bytes of the oversized sample: just above the default image limit (3000 KB). */
export const OVERSIZED_BYTES = 3000 * 1024 + 1;

interface Sample {
  readonly type: string;
  readonly body: () => Buffer;
}

const FILES: Record<string, Sample> = {
  '/sample.png': { type: 'image/png', body: samplePng },
  '/head-405.png': { type: 'image/png', body: samplePng },
  '/sample.gif': { type: 'image/gif', body: sampleGif },
  '/sample.mp3': { type: 'audio/mpeg', body: sampleMp3 },
  '/sample.mp4': { type: 'video/mp4', body: sampleMp4 },
  '/contact.vcf': { type: 'text/vcard', body: () => Buffer.from(VCARD) },
  '/event.ics': { type: 'text/calendar', body: () => Buffer.from(ICS) },
  '/document.pdf': { type: 'application/pdf', body: samplePdf },
  '/octet.bin': { type: 'application/octet-stream', body: samplePng },
  '/oversized.jpg': { type: 'image/jpeg', body: () => Buffer.alloc(OVERSIZED_BYTES, 0xff) },
};

/** Every sample path and what the preflight should say about it for the kind it is served as. */
export const SAMPLES = {
  png: { path: '/sample.png', kind: 'image', ok: true },
  gif: { path: '/sample.gif', kind: 'image', ok: true },
  mp3: { path: '/sample.mp3', kind: 'audio', ok: true },
  mp4: { path: '/sample.mp4', kind: 'video', ok: true },
  vcard: { path: '/contact.vcf', kind: 'contact', ok: true },
  ics: { path: '/event.ics', kind: 'calendar', ok: true },
  pdf: { path: '/document.pdf', kind: 'pdf', ok: true },
  headFallback: { path: '/head-405.png', kind: 'image', ok: true },
  oneRedirect: { path: '/redirect-1.png', kind: 'image', ok: true },
  chunked: { path: '/chunked.png', kind: 'image', ok: false, code: 'E351' },
  oversized: { path: '/oversized.jpg', kind: 'image', ok: false, code: 'E331' },
  octetStream: { path: '/octet.bin', kind: 'image', ok: false, code: 'E629' },
  twoRedirects: { path: '/redirect-2.png', kind: 'image', ok: false, code: 'E351' },
  redirectPrivate: { path: '/redirect-private.png', kind: 'image', ok: false, code: 'E351' },
  missing: { path: '/missing.png', kind: 'image', ok: false, code: 'E351' },
} as const;

export interface MediaSandbox {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Requests per path (HEAD and GET), for cache tests. */
  hits(path: string): number;
  stop(): Promise<void>;
}

export async function startMediaSandbox(options: { port?: number } = {}): Promise<MediaSandbox> {
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const head = req.method === 'HEAD';
    if (path === '/slow.png') return; // never answers: the preflight's time budget must end it
    if (path === '/redirect-1.png') return redirect(res, '/sample.png');
    if (path === '/redirect-2.png') return redirect(res, '/redirect-1.png');
    if (path === '/redirect-private.png') return redirect(res, 'http://10.0.0.1/sample.png');
    if (path === '/head-405.png' && head) {
      res.writeHead(405, { allow: 'GET', 'content-length': '0' }).end();
      return;
    }
    if (path === '/chunked.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'transfer-encoding': 'chunked' });
      if (head) res.end();
      else res.end(samplePng());
      return;
    }
    const file = FILES[path];
    if (!file) {
      res
        .writeHead(404, { 'content-type': 'text/plain', 'content-length': '9' })
        .end(head ? undefined : 'not found');
      return;
    }
    const body = file.body();
    res.writeHead(200, { 'content-type': file.type, 'content-length': String(body.length) });
    res.end(head ? undefined : body);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits: (path) => hits.get(path) ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const redirect = (res: ServerResponse, location: string) => {
  res.writeHead(302, { location, 'content-length': '0' }).end();
};
