import { describe, expect, it } from 'vitest';
import {
  applyPostback,
  canTransition,
  canTransitionTemplate,
  isTerminal,
  MESSAGE_STATES,
  POSTBACK_CODES,
  TERMINAL_STATES,
  type MessageState,
} from '../../lambdas/domain/messages/state-machine';

describe('message state machine', () => {
  const forward: Array<[MessageState, MessageState]> = [
    ['accepted', 'queued'],
    ['accepted', 'scheduled'],
    ['scheduled', 'queued'],
    ['scheduled', 'canceled'],
    ['queued', 'submitting'],
    ['submitting', 'submitting'],
    ['submitting', 'submitted'],
    ['submitting', 'failed'],
    ['submitted', 'sent'],
    ['submitted', 'delivered'],
    ['sent', 'delivered'],
    ['sent', 'delivered-as-sms'],
    ['sent', 'rejected'],
    ['sent', 'expired'],
    ['sent', 'unknown'],
    ['unknown', 'delivered'],
  ];
  it.each(forward)('allows %s → %s', (from, to) => expect(canTransition(from, to)).toBe(true));

  const backward: Array<[MessageState, MessageState]> = [
    ['queued', 'accepted'],
    ['submitted', 'queued'],
    ['submitted', 'submitting'],
    ['sent', 'submitted'],
    ['unknown', 'sent'],
    ['queued', 'queued'],
    ['sent', 'sent'],
  ];
  it.each(backward)('refuses %s → %s', (from, to) => expect(canTransition(from, to)).toBe(false));

  it('never leaves a terminal state, to any state', () => {
    for (const from of TERMINAL_STATES) {
      expect(isTerminal(from)).toBe(true);
      for (const to of MESSAGE_STATES) expect(canTransition(from, to)).toBe(false);
    }
  });

  it('counts exactly the six final states as terminal', () => {
    expect(MESSAGE_STATES.filter(isTerminal).sort()).toEqual(
      ['canceled', 'delivered', 'delivered-as-sms', 'expired', 'failed', 'rejected'].sort(),
    );
  });
});

describe('postback codes', () => {
  it.each([
    ['N101', 'sent'],
    ['N102', 'delivered'],
    ['N202', 'delivered-as-sms'],
    ['N103', 'expired'],
    ['E101', 'failed'],
    ['E102', 'rejected'],
    ['E202', 'failed'],
  ] as const)('%s moves a submitted message to %s', (code, state) => {
    expect(applyPostback('submitted', code)).toEqual({ next: state, changed: true });
    expect(POSTBACK_CODES[code].state).toBe(state);
  });

  it('N102 after E102 stays rejected (history only)', () => {
    const rejected = applyPostback('sent', 'E102');
    expect(rejected).toEqual({ next: 'rejected', changed: true });
    expect(applyPostback(rejected.next, 'N102')).toEqual({ next: 'rejected', changed: false });
  });

  it('N101 after N102 changes nothing (reordered)', () => {
    expect(applyPostback('delivered', 'N101')).toEqual({ next: 'delivered', changed: false });
  });

  it('a repeated postback changes nothing the second time', () => {
    const first = applyPostback('submitted', 'N101');
    expect(first.changed).toBe(true);
    expect(applyPostback(first.next, 'N101')).toEqual({ next: 'sent', changed: false });
  });

  it('a final postback before the worker recorded the submission still applies', () => {
    expect(applyPostback('submitting', 'N102')).toEqual({ next: 'delivered', changed: true });
  });

  it('a late final postback moves a swept (unknown) message to its real state', () => {
    expect(applyPostback('unknown', 'N202')).toEqual({ next: 'delivered-as-sms', changed: true });
  });

  it('ignores unknown codes', () => {
    expect(applyPostback('sent', 'N999')).toEqual({ next: 'sent', changed: false });
  });

  const permutationsOf = (codes: string[]): string[][] =>
    codes.length <= 1
      ? [codes]
      : codes.flatMap((code, i) =>
          permutationsOf([...codes.slice(0, i), ...codes.slice(i + 1)]).map((rest) => [code, ...rest]),
        );
  const finalOf = (order: string[]) =>
    order.reduce<MessageState>((state, code) => applyPostback(state, code).next, 'submitted');

  it('any order of N101 and one final code ends in the final state', () => {
    for (const [final, state] of [
      ['N102', 'delivered'],
      ['E102', 'rejected'],
    ] as const) {
      const orders = permutationsOf(['N101', 'N101', final]);
      expect(orders).toHaveLength(6);
      expect(orders.map(finalOf)).toEqual(orders.map(() => state));
    }
  });

  it('with two final codes, the first one to arrive wins whatever the order; later ones change nothing', () => {
    const orders = permutationsOf(['N101', 'N102', 'E102']);
    expect(new Set(orders.map((order) => order.join())).size).toBe(6);
    const finals = orders.map(finalOf);
    expect(finals).toEqual(
      orders.map((order) => (order.find((c) => c !== 'N101') === 'N102' ? 'delivered' : 'rejected')),
    );
    // Both outcomes occur: the order decides, so this is not a test of a constant.
    expect(new Set(finals)).toEqual(new Set(['delivered', 'rejected']));
  });
});

describe('template state machine', () => {
  it('moves forward only', () => {
    expect(canTransitionTemplate('submitting', 'transcoding')).toBe(true);
    expect(canTransitionTemplate('transcoding', 'ready')).toBe(true);
    expect(canTransitionTemplate('transcoding', 'failed')).toBe(true);
    expect(canTransitionTemplate('ready', 'failed')).toBe(false);
    expect(canTransitionTemplate('failed', 'ready')).toBe(false);
    expect(canTransitionTemplate('ready', 'transcoding')).toBe(false);
  });
});
