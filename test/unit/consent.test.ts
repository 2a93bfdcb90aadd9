/** Pure consent rules: keywords, reading MO postbacks, inbound event details, the suppression CSV. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_KEYWORDS, keywordAction } from '../../lambdas/domain/consent/keywords';
import { inboundDetail, isInboundPostback, readInbound } from '../../lambdas/domain/consent/inbound';
import { loadConfig } from '../../lambdas/adapters/config';
import { CSV_HEADER, parseSuppressionCsv, suppressionCsv } from '../../local/consent-cli';

describe('keywordAction', () => {
  it.each([
    ['STOP', undefined, 'opt-out'],
    ['stop', undefined, 'opt-out'],
    [undefined, 'Unsubscribe me please', 'opt-out'],
    [undefined, '  quit.', 'opt-out'],
    ['StopAll', undefined, 'opt-out-all'],
    [undefined, 'start', 'opt-in'],
    ['YES', 'STOP', 'opt-in'],
    ['info', undefined, 'help'],
    [undefined, 'stopping by later', 'none'],
    [undefined, undefined, 'none'],
    ['', '', 'none'],
  ] as const)('keyword %s, text %s → %s', (keyword, text, action) => {
    expect(keywordAction(keyword, text).action).toBe(action);
  });

  it('uses the lists it is given (configuration), not the defaults', () => {
    const lists = { ...DEFAULT_KEYWORDS, optOut: ['ARRET'] };
    expect(keywordAction('arret', undefined, lists)).toEqual({ action: 'opt-out', keyword: 'ARRET' });
    expect(keywordAction('STOP', undefined, lists).action).toBe('none');
  });

  it('reads CONSENT_KEYWORDS, keeping the defaults of lists it does not name, and refuses bad JSON', () => {
    const config = loadConfig(['consentKeywords'], { CONSENT_KEYWORDS: '{"optIn":["GO"]}' });
    expect(config.consentKeywords).toEqual({ ...DEFAULT_KEYWORDS, optIn: ['GO'] });
    expect(loadConfig(['consentKeywords'], {}).consentKeywords).toEqual(DEFAULT_KEYWORDS);
    expect(() => loadConfig(['consentKeywords'], { CONSENT_KEYWORDS: '{"stop":["X"]}' })).toThrow(
      /CONSENT_KEYWORDS/,
    );
    expect(() => loadConfig(['consentKeywords'], { CONSENT_KEYWORDS: 'nope' })).toThrow(/must be JSON/);
  });
});

const MO = {
  origin: 'MMS_MO',
  code: 'N401',
  from: '17745550001',
  to: '18885551234',
  'copy-to': [{ number: '17745550002' }],
  keyword: 'INFO',
  'tracking-id': 'mo123xyz',
  'operator-id': '310012',
  timestamp: '2026-04-24T18:34:00Z',
  'message-subject': 'Question',
  content: [{ file: 'https://example.sinch.com/mo-content/file1.jpg' }],
};

describe('reading an MO postback', () => {
  it('tells MO from delivery postbacks', () => {
    expect(isInboundPostback(MO)).toBe(true);
    expect(isInboundPostback({ code: 'N101', 'tracking-id': 'x' })).toBe(false);
  });

  it('reads Sinch’s example and builds the team’s event, masked unless the team asks for full numbers', () => {
    const read = readInbound(MO);
    if (!read.ok) throw new Error(read.problem);
    const match = keywordAction(read.message.keyword, read.message.text);
    const masked = inboundDetail({ id: 't', fullNumbers: false }, read.message, match, 'ref');
    expect(masked).toEqual({
      'event-id': 'ref:t',
      team: 't',
      'inbound-id': 'mo123xyz',
      from: '*******0001',
      to: '18885551234',
      'copy-to': ['*******0002'],
      keyword: 'INFO',
      action: 'help',
      subject: 'Question',
      content: ['https://example.sinch.com/mo-content/file1.jpg'],
      'operator-id': '310012',
      timestamp: '2026-04-24T18:34:00Z',
    });
    const full = inboundDetail({ id: 't', fullNumbers: true }, read.message, match, 'ref');
    expect(full).toMatchObject({ from: '17745550001', 'copy-to': ['17745550002'] });
  });

  it.each([
    [{ ...MO, from: undefined }, 'from'],
    [{ ...MO, to: '+1888' }, 'to'],
    [{ ...MO, 'tracking-id': undefined }, 'tracking-id'],
    [{ ...MO, content: [{ url: 'x' }] }, 'content'],
    [{ ...MO, 'copy-to': 'x' }, 'copy-to'],
    [{ ...MO, keyword: ['STOP'] }, 'keyword'],
    [{ ...MO, text: 'x'.repeat(5001) }, 'text'],
  ])('refuses a broken one, naming the field (%#)', (body, field) => {
    const read = readInbound(body);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toContain(field);
  });
});

describe('the suppression CSV', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('round-trips entries; an empty sender is team-wide', () => {
    const text = `${CSV_HEADER}\n17745550001,28444,keyword,mo:abc,2025-12-01T10:00:00.000Z\n17745550002,,,,\n`;
    const parsed = parseSuppressionCsv(text, 'team', ['28444'], 'csv:f.csv', now);
    if (!parsed.ok) throw new Error(parsed.problems.join());
    expect(parsed.entries).toEqual([
      {
        teamId: 'team',
        recipient: '17745550001',
        sender: '28444',
        reason: 'keyword',
        source: 'mo:abc',
        createdAt: '2025-12-01T10:00:00.000Z',
      },
      {
        teamId: 'team',
        recipient: '17745550002',
        sender: '*',
        reason: 'manual',
        source: 'csv:f.csv',
        createdAt: now.toISOString(),
      },
    ]);
    expect(suppressionCsv(parsed.entries)).toBe(
      `${CSV_HEADER}\n17745550001,28444,keyword,mo:abc,2025-12-01T10:00:00.000Z\n17745550002,,manual,csv:f.csv,2026-01-01T00:00:00.000Z\n`,
    );
  });

  it('lists every bad line and returns no entries', () => {
    const text = '+1774,,,,\n17745550001,99999,,,\n17745550001,,why,,\n17745550001,,,,x\n"a",b\n';
    const parsed = parseSuppressionCsv(text, 'team', ['28444'], 'csv', now);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.problems.map((p) => p.split(':')[0])).toEqual([
        'line 1',
        'line 2',
        'line 3',
        'line 4',
        'line 5',
      ]);
  });
});
