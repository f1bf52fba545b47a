import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidPayloadError } from '@exhub/core';
import type { CanonicalException } from './canonical-exception.types';
import { exceptionId } from './ids';
import {
  assertCanonicalException,
  validateCanonicalException,
  validateCanonicalExceptionAll,
} from './validate';

const FIXTURES = join(__dirname, '..', 'test-fixtures');
const EXPECT_SUFFIX = '.expect.json';

interface Expectation {
  description: string;
  pointer: string;
  rule: string;
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const documents = (dir: string): string[] =>
  readdirSync(join(FIXTURES, dir)).filter((f) => f.endsWith('.json') && !f.endsWith(EXPECT_SUFFIX));

const valid = documents('valid').map((f) => [f, readJson(join(FIXTURES, 'valid', f))] as const);
const invalid = documents('invalid').map((f) => {
  const expectation = readJson(join(FIXTURES, 'invalid', f.replace(/\.json$/, EXPECT_SUFFIX)));
  return [f, readJson(join(FIXTURES, 'invalid', f)), expectation as Expectation] as const;
});

describe('golden canonical exceptions', () => {
  it('has the cases the contract promises', () => {
    expect(valid.length).toBeGreaterThanOrEqual(3);
    expect(invalid.length).toBeGreaterThanOrEqual(8);
  });

  describe.each(valid)('valid/%s', (_file, doc) => {
    it('passes both validators and comes back as the same object', () => {
      expect(validateCanonicalException(doc)).toEqual({ ok: true, value: doc });
      expect(validateCanonicalExceptionAll(doc)).toEqual({ ok: true, value: doc });
      expect(() => assertCanonicalException(doc)).not.toThrow();
    });

    it('carries the id derived from its natural key', () => {
      const { id, source, type } = doc as CanonicalException;
      expect(id).toBe(exceptionId({ ...source, type }));
    });
  });

  describe.each(invalid)('invalid/%s', (_file, doc, { pointer, rule }) => {
    it(`is rejected at ${pointer} by ${rule}`, () => {
      const result = validateCanonicalException(doc);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.issues.map(({ pointer, rule }) => ({ pointer, rule }))).toEqual([
        { pointer, rule },
      ]);
    });

    it('has exactly that one defect (so it cannot pass for another reason)', () => {
      const result = validateCanonicalExceptionAll(doc);
      expect(!result.ok && result.issues.map(({ pointer, rule }) => ({ pointer, rule }))).toEqual([
        { pointer, rule },
      ]);
    });
  });
});

describe('issue messages', () => {
  const issueFor = (file: string) => {
    const result = validateCanonicalException(readJson(join(FIXTURES, 'invalid', file)));
    if (result.ok) throw new Error(`${file} unexpectedly valid`);
    return result.issues[0];
  };

  it('names the pattern and gives an example of a good value', () => {
    expect(issueFor('grouped-amount.json').message).toBe(
      'must match ^-?\\d{1,15}(\\.\\d{1,6})?$ (for example "12500.00")',
    );
    expect(issueFor('float-amount.json').message).toBe('must be a string (for example "12500.00")');
  });

  it('explains UTC, enums and unknown properties in plain words', () => {
    expect(issueFor('non-utc-time.json').message).toMatch(
      /Z\$ \(for example "2026-03-14T09:30:00Z"\)$/,
    );
    expect(issueFor('unknown-type.json').message).toMatch(/^must be one of "invoice_mismatch", /);
    expect(issueFor('unknown-reference.json').message).toBe(
      'is not allowed here; allowed properties: purchaseOrder, invoice, payment, ticket, case, contract, subscription, bankTransaction',
    );
    expect(issueFor('missing-source-object-id.json').message).toBe('is required');
    expect(issueFor('score-101.json').message).toBe('must be <= 100');
    expect(issueFor('bad-signal-name.json').message).toBe(
      'property name must match ^[A-Za-z][A-Za-z0-9_]*$',
    );
  });

  it('escapes JSON pointer tokens', () => {
    const result = validateCanonicalException({ ...(valid[0][1] as object), 'a/b~c': 1 });
    expect(!result.ok && result.issues[0].pointer).toBe('/a~1b~0c');
  });
});

describe('validateCanonicalException', () => {
  it('rejects what is not an object at all', () => {
    expect(validateCanonicalException('{}')).toEqual({
      ok: false,
      issues: [{ pointer: '', rule: 'type', message: 'must be an object' }],
    });
  });

  it('reports one issue on the hot path, all of them for tooling', () => {
    const doc = { ...(valid[0][1] as object), type: 'nope', status: 'nope' };
    const first = validateCanonicalException(doc);
    const all = validateCanonicalExceptionAll(doc);
    expect(!first.ok && first.issues.map((i) => i.pointer)).toEqual(['/type']);
    expect(!all.ok && all.issues.map((i) => i.pointer)).toEqual(['/type', '/status']);
  });
});

describe('bounded work on hostile input', () => {
  const base = valid[0][1] as CanonicalException;

  it.each<[string, unknown, string, string]>([
    ['100 000 links', { ...base, links: Array(100_000).fill(base.id) }, '/links', 'maxItems'],
    [
      '100 000 signals',
      {
        ...base,
        signals: Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`s${i}`, i])),
      },
      '/signals',
      'maxProperties',
    ],
    ['a 1 MB title', { ...base, title: 'x'.repeat(1_000_000) }, '/title', 'maxLength'],
  ])('rejects %s by its cap', (_what, doc, pointer, rule) => {
    const result = validateCanonicalException(doc);
    expect(!result.ok && result.issues.map((i) => [i.pointer, i.rule])).toEqual([[pointer, rule]]);
  });
});

describe('assertCanonicalException', () => {
  it('throws InvalidPayloadError at the validate stage with the issues', () => {
    const doc = readJson(join(FIXTURES, 'invalid', 'lower-case-currency.json'));
    let thrown: unknown;
    try {
      assertCanonicalException(doc);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidPayloadError);
    const error = thrown as InvalidPayloadError;
    expect(error.stage).toBe('validate');
    expect(error.errorClass).toBe('INVALID_PAYLOAD');
    expect(error.issues).toEqual([
      {
        pointer: '/amount/currency',
        rule: 'pattern',
        message: 'must match ^[A-Z]{3}$ (for example "EUR")',
      },
    ]);
    expect(error.message).toContain('/amount/currency: pattern');
  });
});
