/**
 * Property tests: whatever a caller sends, validation never throws and always yields either a typed request
 * or a non-empty list of violations whose failure body is well formed. Then an oracle: a valid base with one
 * known mutation gets the code and path that a rules table written here (from the Sinch reference, not from the
 * code) expects, and valid variations are accepted unchanged. Fixed seed, printed; replay another with
 * FUZZ_SEED=<n>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERRORS, failureBody, isErrorCode } from '../../lambdas/domain/sinch/error-codes';
import { ACTIONS } from '../../lambdas/domain/sinch/mms';
import {
  type ValidationContext,
  type ValidationResult,
  FIELD_ORDER,
  expandGroup,
  parseJsonBody,
  validateRequest,
} from '../../lambdas/domain/sinch/validation';
import { applicable, BASES, lenient, NOW, RULES, validSendmms, type Json, type Rule } from './rules';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_205);
console.log(`validation.property: fast-check seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
fc.configureGlobal({ seed: SEED });
const contexts: ValidationContext[] = [
  { now: NOW, requireServiceId: false },
  { now: NOW, requireServiceId: true },
  { now: NOW, requireServiceId: true, defaultServiceId: '12345', allowedSenders: ['28444', '18885551234'] },
];

/** Checks the contract of a validation result; returns it for further checks. */
function checkResult(result: ValidationResult, input: unknown): ValidationResult {
  if (result.ok) {
    // Accepted: the request is the body itself (only a default service-id may be added), not a re-shaped copy.
    expect(ACTIONS).toContain(result.request.action);
    if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
      const { 'service-id': _added, ...rest } = result.request as Record<string, unknown>;
      const { 'service-id': _given, ...given } = input as Record<string, unknown>;
      expect(rest).toEqual(given);
    }
    return result;
  }
  expect(result.violations.length).toBeGreaterThan(0);
  for (const v of result.violations) {
    expect(isErrorCode(v.code)).toBe(true);
    expect(typeof v.path).toBe('string');
    expect(typeof v.message).toBe('string');
    expect(v.message.length).toBeGreaterThan(0);
  }
  const body = failureBody(result.violations);
  expect(body.status).toBe('failure');
  expect(typeof body['error-code']).toBe('string');
  expect(Object.hasOwn(ERRORS, body['error-code'])).toBe(true);
  expect(typeof body['error-info']).toBe('string');
  expect(body.errors).toHaveLength(result.violations.length);
  expect(() => JSON.stringify(body)).not.toThrow();
  return result;
}

const check = (body: unknown, ctx: ValidationContext) => checkResult(validateRequest(body, ctx), body);

const nested = (depth: number, leaf: Json): Json => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { k: value };
  return value;
};

const BOUNDARY_LENGTHS = [
  0, 1, 4, 5, 6, 7, 8, 11, 12, 15, 16, 20, 21, 63, 64, 65, 79, 80, 81, 4999, 5000, 5001,
];

/** Values a caller might put anywhere: wrong types, boundary lengths, huge strings, deep nesting. */
const nastyValue: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue() as fc.Arbitrary<Json>,
  fc
    .constantFrom(...BOUNDARY_LENGTHS)
    .chain((n) =>
      fc.constantFrom<Json>('a'.repeat(n), '9'.repeat(n), '😀'.repeat(n), ' '.repeat(n), `+${'1'.repeat(n)}`),
    ),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.integer({ min: 20_000, max: 120_000 }).map((n): Json => 'x'.repeat(n)),
  fc.integer({ min: 1, max: 2000 }).map((depth) => nested(depth, 'leaf')),
  fc.date({ noInvalidDate: true }).map((d): Json => d.toISOString()),
  fc.webUrl(),
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, '', [], {}, ['17745550001'], 'sendmms'),
  fc.array(fc.constantFrom<Json>({}, { 'message-text': 'x' }, { image: { url: 'https://a.b/c' } }, 'x'), {
    maxLength: 12,
  }),
);

const fieldName = fc.oneof(
  fc.constantFrom<string>(...FIELD_ORDER, 'name', 'mms-id', 'custom-slides', 'slide'),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'form', 'api-key', 'send-at', 'vcard', 'duration'),
  fc.string({ maxLength: 20 }),
);
const slideKey = fc.constantFrom(
  'image',
  'audio',
  'video',
  'contact',
  'calendar',
  'pdf',
  'message-text',
  'vcard',
  'ical',
  'duration',
);

type Mutation = (body: Record<string, Json>) => void;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fieldName, nastyValue).map(([key, value]): Mutation => (body) => {
    // defineProperty, not assignment: `body['__proto__'] = x` would change the prototype, which JSON cannot carry.
    Object.defineProperty(body, key, { value, enumerable: true, writable: true, configurable: true });
  }),
  fieldName.map((key): Mutation => (body) => {
    delete body[key];
  }),
  fc.tuple(fc.nat(9), slideKey, nastyValue).map(([index, key, value]): Mutation => (body) => {
    const slides = body['slide'];
    if (!Array.isArray(slides)) return;
    const slide = slides[index % Math.max(slides.length, 1)];
    if (slide !== null && typeof slide === 'object' && !Array.isArray(slide)) slide[key] = value;
    else slides.push({ [key]: value });
  }),
  fc.tuple(fc.nat(9), slideKey, nastyValue).map(([index, key, value]): Mutation => (body) => {
    const slides = body['slide'];
    if (!Array.isArray(slides)) return;
    const slide = slides[index % Math.max(slides.length, 1)];
    if (slide !== null && typeof slide === 'object' && !Array.isArray(slide)) slide[key] = { url: value };
  }),
  fc
    .tuple(fc.nat(25), fc.constantFrom('17745550009', '+1774', '0017745550001', '1'))
    .map(([n, number]): Mutation => (body) => {
      body['to'] = Array.from({ length: n }, (_, i) => (i === n - 1 ? number : String(17745550001 + i)));
    }),
  fc
    .tuple(fc.constantFrom('custom-slide', 'custom-message-text', 'x'), nastyValue)
    .map(([key, value]): Mutation => (body) => {
      body['custom-slides'] = [{ 'custom-slide': '1', 'custom-message-text': 'x', [key]: value }];
    }),
);

const nearValid = fc.tuple(
  fc.constantFrom(...BASES),
  fc.array(mutation, { minLength: 1, maxLength: 4 }),
  fc.constantFrom(...contexts),
);

describe('validation never throws and always answers well', () => {
  it.each(BASES.map((b, i) => [i, b] as const))('starts from valid bodies (base %i)', (_i, base) => {
    // Every context but the one that requires a service-id without a default (base 1 carries none).
    for (const ctx of [contexts[0], contexts[2]]) {
      if (ctx) expect(validateRequest(base, ctx)).toMatchObject({ ok: true });
    }
  });

  it('on random JSON values (600 runs)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...contexts), (value, ctx) => {
        check(value, ctx);
        const parsed = parseJsonBody(JSON.stringify(value));
        if (parsed.ok) check(parsed.value, ctx);
        else expect(parsed.violations.map((v) => [v.code, v.path])).toEqual([['E108', '']]);
      }),
      { numRuns: 600 },
    );
  });

  it('on random objects with a valid action (400 runs)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ACTIONS),
        fc.dictionary(fieldName, nastyValue, { maxKeys: 8 }),
        fc.constantFrom(...contexts),
        (action, fields, ctx) => {
          check({ ...fields, action }, ctx);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('on random text bodies (400 runs)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.json(),
          fc.constantFrom('', '{', '[]', 'null'),
        ),
        (raw) => {
          const parsed = parseJsonBody(raw);
          if (parsed.ok) check(parsed.value, contexts[0] ?? { now: NOW, requireServiceId: false });
          else expect(parsed.violations[0]?.code).toBe('E108');
        },
      ),
      { numRuns: 400 },
    );
  });

  it('on near-valid bodies: wrong types, huge strings, deep nesting, unknown fields, boundaries (1000 runs)', () => {
    fc.assert(
      fc.property(nearValid, ([base, mutations, ctx]) => {
        const body = structuredClone(base);
        for (const mutate of mutations) mutate(body);
        const result = check(body, ctx);
        // Through the wire too: the same answer after a JSON round trip.
        const parsed = parseJsonBody(JSON.stringify(body));
        expect(parsed.ok).toBe(true);
        if (parsed.ok) expect(validateRequest(parsed.value, ctx)).toEqual(result);
      }),
      { numRuns: 1000 },
    );
  });

  it('expands every valid group into valid single requests, one per member (200 runs)', () => {
    const groupNumber = fc.integer({ min: 10_000_000, max: 999_999_999_999_999 }).map(String);
    fc.assert(
      fc.property(
        fc.uniqueArray(groupNumber, { minLength: 2, maxLength: 20 }),
        fc.array(groupNumber, { maxLength: 5 }),
        fc.constantFrom(0, 3),
        (members, display, baseIndex) => {
          const base = BASES[baseIndex] ?? {};
          const body = {
            ...base,
            to: members,
            ...(display.length > 0 ? { 'to-displayonly': display.join(',') } : {}),
          };
          const result = check(body, contexts[0] ?? { now: NOW, requireServiceId: false });
          if (!result.ok || result.request.action === 'savemms') throw new Error('expected a valid group');
          const requests = expandGroup(result.request);
          expect(requests.map((r) => r.to)).toEqual(members);
          for (const r of requests) {
            const shown = r['to-displayonly']?.split(',') ?? [];
            expect(shown).not.toContain(r.to);
            expect(new Set(shown).size).toBe(shown.length);
            for (const m of members) if (m !== r.to) expect(shown).toContain(m);
            for (const d of display) if (d !== r.to) expect(shown).toContain(d);
            expect(validateRequest(r, contexts[0] ?? { now: NOW, requireServiceId: false }).ok).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

type Validate = (body: unknown, ctx: ValidationContext) => ValidationResult;

/** The oracle for one mutated body: refused, with the rule's code at the rule's path, and that code first. */
const expectRule = (validate: Validate, base: Record<string, Json>, rule: Rule) => {
  const body = structuredClone(base);
  rule.mutate(body);
  const label = `${rule.name} on ${base['action'] as string}`;
  const result = validate(body, rule.context ?? lenient);
  if (result.ok) throw new Error(`${label}: accepted`);
  expect(
    result.violations.map((v) => `${v.code} ${v.path}`),
    label,
  ).toContain(`${rule.code} ${rule.path}`);
  expect(failureBody(result.violations)['error-code'], label).toBe(rule.code);
};
/** The oracle for a valid body: accepted, unchanged. */
const expectAccepted = (validate: Validate, body: Record<string, Json>) => {
  expect(validate(body, lenient)).toEqual({ ok: true, request: body });
};

describe('the oracle: one known mutation of a valid base', () => {
  it('every rule applies to at least one base', () => {
    for (const rule of RULES)
      expect(
        applicable.some(([, r]) => r === rule),
        rule.name,
      ).toBe(true);
  });

  it('gets the code and path of its rule, first, in the failure body (every rule × base, then 500 runs)', () => {
    for (const [base, rule] of applicable) expectRule(validateRequest, base, rule);
    fc.assert(
      fc.property(fc.constantFrom(...applicable), ([base, rule]) => expectRule(validateRequest, base, rule)),
      { numRuns: 500 },
    );
  });

  it('valid variations are accepted unchanged (500 runs)', () => {
    fc.assert(
      fc.property(validSendmms, (body) => expectAccepted(validateRequest, body)),
      { numRuns: 500 },
    );
  });
});

describe('the oracle fails when it should', () => {
  const refuseAll: Validate = () => ({ ok: false, violations: [{ code: 'E108', path: '', message: 'no' }] });
  const acceptAll: Validate = (body) => ({ ok: true, request: body as never });
  const wrongPath: Validate = (body, ctx) => {
    const result = validateRequest(body, ctx);
    return result.ok
      ? result
      : { ok: false, violations: result.violations.map((v) => ({ ...v, path: 'x' })) };
  };
  it('a validator that refuses everything fails every rule but E108 and every valid body', () => {
    for (const [base, rule] of applicable) expect(() => expectRule(refuseAll, base, rule)).toThrow();
    fc.assert(
      fc.property(validSendmms, (body) => {
        expect(() => expectAccepted(refuseAll, body)).toThrow();
      }),
      { numRuns: 50 },
    );
  });
  it('a validator that accepts everything, or names the wrong field, fails every rule', () => {
    for (const [base, rule] of applicable) {
      expect(() => expectRule(acceptAll, base, rule)).toThrow();
      expect(() => expectRule(wrongPath, base, rule)).toThrow();
    }
  });
});
