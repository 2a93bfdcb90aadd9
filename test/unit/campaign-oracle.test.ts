/**
 * The fault campaign's oracle (test/faults/oracle.ts) over crafted evidence: it passes an honest run, and fails
 * each way a run can lie — a gateway that marks messages delivered without sending them, a duplicate at Sinch with
 * no ambiguous retry recorded, a postback that says otherwise, an unexplained DLQ entry, a truncated request log,
 * chaos that did not happen, an unreported message.
 */
import { describe, expect, it } from 'vitest';
import { judge, verdictOk, type Evidence, type GatewayMessage } from '../faults/oracle';

const planned = [
  { ref: 'r1', category: 'ordinary', state: 'delivered' },
  { ref: 'r2', category: '03', state: 'rejected' },
  { ref: 'r3', category: '07', state: 'failed', lastErrorCode: 'E110', refusedBySinch: true },
];
const message = (ref: string, state: string, extra: Partial<GatewayMessage> = {}): GatewayMessage => ({
  id: `mms_${ref}`,
  state,
  clientReference: ref,
  sinchTrackingId: `s_${ref}`,
  history: [],
  ...extra,
});
const honest: Evidence = {
  planned,
  reported: new Map([
    ['r1', 'mms_r1'],
    ['r2', 'mms_r2'],
    ['r3', 'mms_r3'],
  ]),
  messages: [
    message('r1', 'delivered'),
    message('r2', 'rejected'),
    message('r3', 'failed', { lastErrorCode: 'E110', sinchTrackingId: undefined }),
  ],
  dlq: new Set(),
  sinchAccepted: [
    { ref: 'r1', trackingId: 's_r1' },
    { ref: 'r2', trackingId: 's_r2' },
  ],
  sinchLogLength: 3,
  sinchRequestTotal: 3,
  postbacks: [
    { trackingId: 's_r1', code: 'N101' },
    { trackingId: 's_r1', code: 'N102' },
    { trackingId: 's_r1', code: 'N102' }, // a duplicated postback
    { trackingId: 's_r2', code: 'E102' },
  ],
  chaosPlanned: { kill: 2, dynamo: 1 },
  chaosDone: { kill: 2, dynamo: 1 },
};
const variant = (patch: Partial<Evidence>): Evidence => ({ ...honest, ...patch });
const replaceMessage = (ref: string, m: GatewayMessage) =>
  honest.messages.map((old) => (old.clientReference === ref ? m : old));

describe('the fault campaign oracle', () => {
  it('passes an honest run', () => {
    const verdict = judge(honest);
    expect(verdict).toMatchObject({
      unreported: 0,
      duplicatesAtSinch: 0,
      logTruncated: [],
      chaosMissing: [],
    });
    expect(verdictOk(verdict)).toBe(true);
  });

  it('fails a gateway that marks a message delivered without sending it', () => {
    const verdict = judge(
      variant({
        sinchAccepted: honest.sinchAccepted.filter((a) => a.ref !== 'r1'),
        postbacks: honest.postbacks.filter((p) => p.trackingId !== 's_r1'),
      }),
    );
    expect(verdict.sinchDisagrees.map((f) => f.ref)).toEqual(['r1']);
    expect(verdictOk(verdict)).toBe(false);
  });

  it('fails a stored Sinch tracking-id that Sinch never gave for the message', () => {
    const verdict = judge(
      variant({ messages: replaceMessage('r1', message('r1', 'delivered', { sinchTrackingId: 's_x' })) }),
    );
    expect(verdict.sinchDisagrees.map((f) => f.detail)).toEqual([expect.stringContaining('s_x')]);
  });

  it('fails a state the postbacks do not support, and one that differs from the plan', () => {
    const wrongPostback = judge(
      variant({ postbacks: honest.postbacks.map((p) => (p.code === 'E102' ? { ...p, code: 'N102' } : p)) }),
    );
    expect(wrongPostback.postbackDisagrees.map((f) => f.ref)).toEqual(['r2']);
    const wrongState = judge(variant({ messages: replaceMessage('r2', message('r2', 'delivered')) }));
    expect(wrongState.mismatches.map((f) => f.ref)).toEqual(['r2']);
    expect(wrongState.postbackDisagrees.map((f) => f.ref)).toEqual(['r2']);
  });

  it('fails a message Sinch should have refused but accepted', () => {
    const verdict = judge(
      variant({ sinchAccepted: [...honest.sinchAccepted, { ref: 'r3', trackingId: 's_r3' }] }),
    );
    expect(verdict.sinchDisagrees.map((f) => f.ref)).toEqual(['r3']);
  });

  it('accepts a second acceptance only with a recorded ambiguous-timeout retry', () => {
    const twice = [...honest.sinchAccepted, { ref: 'r1', trackingId: 's_r1b' }];
    const unexplained = judge(variant({ sinchAccepted: twice }));
    expect(unexplained.unexplainedDuplicates.map((f) => f.ref)).toEqual(['r1']);
    const explained = judge(
      variant({
        sinchAccepted: twice,
        messages: replaceMessage(
          'r1',
          message('r1', 'delivered', { history: [{ event: 'retry-after-ambiguous-timeout' }] }),
        ),
        postbacks: [...honest.postbacks, { trackingId: 's_r1b', code: 'N102' }],
      }),
    );
    expect(explained).toMatchObject({ duplicatesAtSinch: 1, duplicatesExplained: 1 });
    expect(verdictOk(explained)).toBe(true);
  });

  it('fails a message left open, and one on the DLQ without a planned fault (in any state)', () => {
    const open = judge(variant({ messages: replaceMessage('r1', message('r1', 'submitted')) }));
    expect(open.lost.map((f) => f.ref)).toEqual(['r1']);
    const dlq = judge(variant({ dlq: new Set(['mms_r2']) }));
    expect(dlq.unexplainedDlq.map((f) => f.ref)).toEqual(['r2']);
    expect(verdictOk(dlq)).toBe(false);
    const planned = judge(
      variant({
        dlq: new Set(['mms_r2']),
        planned: honest.planned.map((p) => (p.ref === 'r2' ? { ...p, mayDeadLetter: true } : p)),
      }),
    );
    expect(planned.unexplainedDlq).toEqual([]);
  });

  it('fails a 202 with no record, and a message created for a request whose caller never got its id', () => {
    expect(judge(variant({ reported: new Map([...honest.reported, ['r1', 'mms_gone']]) })).lost).toHaveLength(
      1,
    );
    const unreported = judge(
      variant({ reported: new Map([...honest.reported].filter(([ref]) => ref !== 'r2')) }),
    );
    expect(unreported.unreported).toBe(1);
    expect(verdictOk(unreported)).toBe(false);
  });

  it('fails a truncated request log and missing chaos', () => {
    expect(judge(variant({ sinchRequestTotal: 4 })).logTruncated).toHaveLength(1);
    const chaos = judge(variant({ chaosDone: { kill: 1, dynamo: 1 } }));
    expect(chaos.chaosMissing).toEqual(['kill: 1 of 2 planned']);
    expect(verdictOk(chaos)).toBe(false);
  });
});
