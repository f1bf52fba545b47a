import { HubError } from '@exhub/core';
import { compileMapping } from './compile';
import { MappingError } from './errors';
import { evaluateMapping } from './evaluate';
import type { CompileOptions, CompiledMapping } from './types';

const FILE = 'mappings/acme/thing.mapping.yaml';

/** A mapping with the given `fields:` block (and optional match/each lines). */
function mapping(fields: string, head = '', options?: CompileOptions): CompiledMapping {
  const text = [
    'id: acme.thing',
    'description: test',
    'source: { system: acme, objectType: thing }',
    head,
    'fields:',
    fields,
  ]
    .filter(Boolean)
    .join('\n');
  return compileMapping(text, FILE, options);
}

async function mappingError(m: CompiledMapping, payload: unknown): Promise<MappingError> {
  try {
    await evaluateMapping(m, payload);
  } catch (err) {
    if (err instanceof MappingError) return err;
    throw err;
  }
  throw new Error('expected a MappingError');
}

describe('evaluateMapping', () => {
  describe("amounts in their currency's ISO 4217 minor units", () => {
    const m = mapping(
      [
        "  amount: { expr: \"{'value': v, 'currency': c}\", description: x }",
        "  amountBase: { expr: \"{'value': b, 'currency': 'EUR'}\", description: x }",
      ].join('\n'),
    );
    const amounts = async (v: unknown, c: string, b: unknown = '1') =>
      (await evaluateMapping(m, { v, c, b }))[0].fields;

    it.each([
      ['2300.000', 'CHF', '2300.00'],
      ['0.00000', 'EUR', '0.00'],
      ['-0.000', 'EUR', '0.00'],
      ['5.5', 'eur', '5.50'],
      ['12', 'EUR', '12.00'],
      ['1500.00', 'JPY', '1500'],
      ['1.2', 'KWD', '1.200'],
      [-48000, 'USD', '-48000.00'],
    ])('%s %s → %s', async (value, currency, expected) => {
      expect((await amounts(value, currency)).amount).toEqual({ value: expected, currency });
    });

    it('normalises amountBase too', async () => {
      expect((await amounts('1', 'EUR', '7.1000')).amountBase).toEqual({
        value: '7.10',
        currency: 'EUR',
      });
    });

    it('refuses a non-zero digit beyond the minor units, naming the field, value and currency', async () => {
      const err = await mappingError(m, { v: '12.345', c: 'EUR', b: '1' });
      expect(err.rule).toBe('minor_units');
      expect(err.location).toBe('fields.amount');
      expect(err.message).toMatch(/amount 12\.345 EUR: .*non-zero digit beyond the 2/);
      expect(err.message).toMatch(/does not round money/);
      const yen = await mappingError(m, { v: '100.5', c: 'JPY', b: '1' });
      expect(yen.message).toMatch(/ISO 4217: JPY has 0/);
    });
  });

  it('builds nested fields from dotted paths, constants and expressions', async () => {
    const m = mapping(
      [
        '  type: { value: payment_failure, description: x }',
        '  source.objectId: { expr: obj.id, description: x }',
        '  amount: { expr: "$money(obj.amount, obj.currency)", description: x }',
        '  signals.reasonCode: { expr: obj.reason, description: x }',
        '  signals.attemptCount: { expr: obj.attempts, description: x }',
        '  signals.livemode: { expr: livemode, description: x }',
      ].join('\n'),
    );
    const payload = {
      livemode: false,
      obj: { id: 'o1', amount: 1250, currency: 'eur', reason: 'r', attempts: 0 },
    };
    await expect(evaluateMapping(m, payload)).resolves.toEqual([
      {
        mapping: { id: 'acme.thing', version: m.version },
        fields: {
          type: 'payment_failure',
          source: { objectId: 'o1' },
          amount: { value: '12.50', currency: 'EUR' },
          signals: { reasonCode: 'r', attemptCount: 0, livemode: false },
        },
      },
    ]);
  });

  it('leaves out empty results instead of writing null', async () => {
    const m = mapping(
      [
        '  title: { expr: missing, description: x }',
        '  summary: { expr: "null", description: x }',
        '  source.url: { expr: "\'\'", description: x }',
        '  parties: { expr: "[]", description: x }',
        '  references: { expr: "{\'invoice\': null}", description: x }',
        "  signals: { expr: \"{'a': null, 'b': [null], 'c': 0}\", description: x }",
      ].join('\n'),
    );
    await expect(evaluateMapping(m, {})).resolves.toEqual([
      { mapping: expect.any(Object), fields: { signals: { c: 0 } } },
    ]);
  });

  it('never writes keys that reach a prototype, even from expression results', async () => {
    const m = mapping(
      "  signals: { expr: \"{'__proto__': {'polluted': true}, 'constructor': 1, 'ok': 1}\", description: x }",
    );
    const [result] = await evaluateMapping(m, {});
    expect(result.fields).toEqual({ signals: { ok: 1 } });
    expect(Object.keys(result.fields.signals as object)).toEqual(['ok']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('applies only when match is true (JSONata truthiness)', async () => {
    const m = mapping('  title: { expr: name, description: x }', "match: type = 'wanted'");
    await expect(evaluateMapping(m, { type: 'other', name: 'n' })).resolves.toEqual([]);
    await expect(evaluateMapping(m, { type: 'wanted', name: 'n' })).resolves.toHaveLength(1);
    const exists = mapping('  title: { expr: name, description: x }', 'match: items');
    await expect(evaluateMapping(exists, { items: [], name: 'n' })).resolves.toEqual([]);
    await expect(evaluateMapping(exists, { items: [0, 2] })).resolves.toHaveLength(1);
  });

  it('maps each item of `each`, with the payload as $root and the position as $index', async () => {
    const m = mapping(
      [
        '  source.objectId: { expr: id, description: x }',
        '  title: { expr: "$root.batch & \'#\' & $string($index)", description: x }',
      ].join('\n'),
      'each: lines',
    );
    const results = await evaluateMapping(m, { batch: 'B1', lines: [{ id: 'a' }, { id: 'b' }] });
    expect(results.map((r) => r.fields)).toEqual([
      { source: { objectId: 'a' }, title: 'B1#0' },
      { source: { objectId: 'b' }, title: 'B1#1' },
    ]);
    await expect(evaluateMapping(m, { lines: { id: 'only' } })).resolves.toHaveLength(1);
    await expect(evaluateMapping(m, { lines: null })).resolves.toEqual([]);
  });

  it('throws a MappingError naming the mapping, the field, the place and the payload pointer', async () => {
    const m = mapping('  amount: { expr: "$money(obj.amount, obj.currency)", description: x }');
    const err = await mappingError(m, { obj: { amount: 100, currency: 'euro' } });
    expect(err).toBeInstanceOf(HubError);
    expect(err.errorClass).toBe('INVALID_PAYLOAD');
    expect(err.stage).toBe('map');
    expect(err.mappingId).toBe('acme.thing');
    expect(err.location).toBe('fields.amount');
    expect(err.message).toBe(
      `mapping acme.thing fields.amount (${FILE}:5:19): $money: currency "euro" is not a 3-letter ISO 4217 code at payload /obj/currency`,
    );
    expect(err.issues).toEqual([
      {
        pointer: '/obj/currency',
        rule: 'helper',
        message:
          'mapping acme.thing fields.amount: $money: currency "euro" is not a 3-letter ISO 4217 code',
      },
    ]);
  });

  it('follows variables and each items to the payload pointer', async () => {
    const viaVariable = mapping(
      '  amount: { expr: "($o := obj; $money($o.amount, $o.currency))", description: x }',
    );
    expect(
      (await mappingError(viaVariable, { obj: { amount: 1.5, currency: 'usd' } })).pointer,
    ).toBe('/obj/amount');
    const perItem = mapping(
      '  amount: { expr: "$money(amount, currency)", description: x }',
      'each: data.lines',
    );
    const payload = {
      data: {
        lines: [
          { amount: 1, currency: 'usd' },
          { amount: 2, currency: 'x' },
        ],
      },
    };
    expect((await mappingError(perItem, payload)).pointer).toBe('/data/lines/1/currency');
    const computed = mapping('  amount: { expr: "$money(amount, $uppercase(c))", description: x }');
    expect((await mappingError(computed, { amount: 1, c: 'x' })).pointer).toBe('');
  });

  it('reports JSONata runtime errors with their code', async () => {
    const m = mapping('  title: { expr: "name + 1", description: x }');
    const err = await mappingError(m, { name: 'n' });
    expect(err.issues[0].rule).toBe('jsonata:T2001');
    expect(err.message).toMatch(
      /JSONata error T2001 at position \d+: The left side of the "\+" operator must evaluate to a number/,
    );
    expect(err.pointer).toBe('');
  });

  it('stops an endless loop after the expression timeout', async () => {
    const m = mapping(
      '  title: { expr: "($loop := function($n) { $loop($n + 1) }; $loop(0))", description: x }',
      '',
      { limits: { expressionTimeoutMs: 30 } },
    );
    const started = Date.now();
    const err = await mappingError(m, {});
    expect(err.issues[0].rule).toBe('timeout');
    // Wall-clock limits can be hit by a GC pause: retried once, then dead-lettered.
    expect(err.errorClass).toBe('TRANSIENT');
    expect(err.maxAttempts).toBe(2);
    expect(err.message).toMatch(/took longer than 30 ms/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops deep recursion at the evaluation depth limit', async () => {
    const m = mapping(
      '  title: { expr: "($deep := function($n) { 1 + $deep($n + 1) }; $deep(0))", description: x }',
      '',
      { limits: { maxEvaluationDepth: 100, expressionTimeoutMs: 5000 } },
    );
    const err = await mappingError(m, {});
    expect(err.issues[0].rule).toBe('depth');
    expect(err.message).toMatch(/deeper than 100 evaluation frames/);
  });

  it('stops expressions that build huge sequences', async () => {
    const m = mapping('  signals.n: { expr: "$count([1..200000])", description: x }', '', {
      limits: { maxSequenceLength: 1000 },
    });
    expect((await mappingError(m, {})).issues[0].rule).toBe('sequence');
  });

  it('stops the mapping when its budget for one payload runs out', async () => {
    const slow = {
      name: 'slow',
      doc: '$slow() → waits 20 ms (test only)',
      implementation: () => {
        const until = Date.now() + 20;
        while (Date.now() < until) {
          // busy wait: a helper cannot be interrupted, only the next expression refused
        }
        return 'done';
      },
    };
    const m = mapping(
      '  title: { expr: "$slow()", description: x }\n  summary: { expr: "\'never\'", description: x }',
      '',
      { limits: { mappingTimeoutMs: 10 }, functions: [slow] },
    );
    const err = await mappingError(m, {});
    expect(err.location).toBe('fields.summary');
    expect(err.message).toMatch(/budget of 10 ms per payload ran out/);
  });

  it('refuses payloads nested deeper than the limit, naming where', async () => {
    const m = mapping('  title: { expr: "\'t\'", description: x }', '', {
      limits: { maxPayloadDepth: 3 },
    });
    await expect(evaluateMapping(m, { a: { b: { c: 1 } } })).resolves.toHaveLength(1);
    const err = await mappingError(m, { a: { b: [{ c: 1 }] } });
    expect(err.location).toBe('payload');
    expect(err.pointer).toBe('/a/b/0');
    expect(err.issues[0].rule).toBe('depth');
  });

  describe('native built-ins cannot escape the limits', () => {
    it('refuses $pad wider than maxStringLength before allocating, permanently, naming field and limit', async () => {
      const m = mapping(
        [
          '  title: { expr: "$pad(obj.reason, obj.width)", description: x }',
          '  signals.id: { expr: obj.id, description: x }',
        ].join('\n'),
      );
      const started = Date.now();
      const err = await mappingError(m, { obj: { reason: 'x', width: 500_000_000, id: 'a' } });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(err.errorClass).toBe('INVALID_PAYLOAD');
      expect(err.location).toBe('fields.title');
      expect(err.rule).toBe('helper');
      expect(err.message).toContain(
        '$pad: width 500000000 is over the limit of 2000000 characters (maxStringLength) at payload /obj/width',
      );
      // Within the limit, $pad is JSONata's own.
      await expect(
        evaluateMapping(m, { obj: { reason: 'ab', width: -4, id: 'a' } }),
      ).resolves.toEqual([
        expect.objectContaining({ fields: { title: '  ab', signals: { id: 'a' } } }),
      ]);
    });

    it('refuses a string argument over maxStringLength (built by a doubling loop), permanently', async () => {
      const m = mapping(
        '  title: { expr: "$uppercase($reduce([1..12], function($a, $i) { $a & $a }, obj.s))", description: x }',
        '',
        { limits: { maxStringLength: 1000 } },
      );
      const err = await mappingError(m, { obj: { s: 'abcd' } });
      expect(err.errorClass).toBe('INVALID_PAYLOAD');
      expect(err.message).toContain(
        '$uppercase: argument 1 is 16384 characters long; the limit is 1000 (maxStringLength)',
      );
    });

    it('refuses a $replace whose result would outgrow maxStringLength before building it (fast path too)', async () => {
      const m = mapping('  title: { expr: "$replace(obj.s, \'a\', obj.r)", description: x }', '', {
        limits: { maxStringLength: 10_000 },
      });
      const err = await mappingError(m, { obj: { s: 'a'.repeat(1000), r: 'b'.repeat(100) } });
      expect(err.errorClass).toBe('INVALID_PAYLOAD');
      expect(err.message).toContain(
        '$replace: the result would be 100000 characters long (1000 matches replaced by 100 characters); the limit is 10000 (maxStringLength) at payload /obj/r',
      );
      await expect(evaluateMapping(m, { obj: { s: 'xax', r: 'bb' } })).resolves.toEqual([
        expect.objectContaining({ fields: { title: 'xbbx' } }),
      ]);
    });

    it('refuses at load a regular expression that can backtrack catastrophically, naming file, line and regex', () => {
      expect(() =>
        mapping('  title: { expr: "$match(obj.reason, /^(a+)+$/)", description: x }'),
      ).toThrow(
        /thing\.mapping\.yaml:5:18 fields\.title: regular expression \/\^\(a\+\)\+\$\/ at position \d+ can backtrack catastrophically.*\/\^a\+\$\//,
      );
      // A linear one loads and runs.
      const ok = mapping('  title: { expr: "$replace(obj.reason, /a+/, \'A\')", description: x }');
      return expect(evaluateMapping(ok, { obj: { reason: 'baab' } })).resolves.toEqual([
        expect.objectContaining({ fields: { title: 'bAb' } }),
      ]);
    });

    it('refuses at load a repeated alternation, which safe-regex2 lets through', () => {
      // /^(a|a)*$/ on 40 characters: 2^40 paths, minutes in one native call.
      expect(() =>
        mapping('  title: { expr: "$contains(obj.reason, /^(a|a)*$/)", description: x }'),
      ).toThrow(
        /regular expression \/\^\(a\|a\)\*\$\/ at position \d+ repeats an alternation.*\[ab\]\+/,
      );
      expect(() =>
        mapping('  title: { expr: "$contains(obj.reason, /^(?:x|xy){2,}$/i)", description: x }'),
      ).toThrow(/repeats an alternation/);
      // An alternation that is not repeated loads.
      expect(() =>
        mapping(
          '  title: { expr: "$contains(obj.reason, /^(card|bank)_declined$/)", description: x }',
        ),
      ).not.toThrow();
    });

    it('refuses $eval at load: it would build expressions the load-time checks cannot see', () => {
      expect(() => mapping('  title: { expr: "$eval(obj.code)", description: x }')).toThrow(
        /\$eval is not allowed/,
      );
    });
  });
});
