import { resolve } from 'node:path';
import { compileMappingSource } from './compile';
import { multiplyDecimals, toScaled } from './decimal';
import { evaluateMapping } from './evaluate';
import { loadLookupTables, LookupTables, parseLookupCsv } from './lookups';

const SHIPPED_LOOKUPS = resolve(__dirname, '../../../mappings/lookups');

function tables(files: Record<string, string>): LookupTables {
  const map = new Map();
  for (const [name, text] of Object.entries(files)) {
    const { table, problems } = parseLookupCsv(text, `lookups/${name}.csv`);
    expect(problems).toEqual([]);
    map.set(name, table);
  }
  return new LookupTables(map);
}

const FX =
  'currency,reporting_currency,rate,as_of\nUSD,EUR,0.8812,2026-05-29\nJPY,EUR,0.005612,2026-05-29\nKWD,EUR,2.8712,2026-05-29\n';

function mappingWith(expr: string, lookups: LookupTables) {
  const yaml = `id: test.lookup
description: test
source: { system: test, objectType: thing }
fields:
  title:
    expr: "${expr.replace(/"/g, '\\"')}"
    description: what is tested
`;
  return compileMappingSource(yaml, 'test/lookup.mapping.yaml', { lookups });
}

describe('lookup tables', () => {
  const lookups = tables({
    'stripe-decline-codes':
      'code,description,next_step\ninsufficient_funds,not enough funds,use another card\nexpired_card,the card has expired,\n',
    'fx-rates': FX,
  });

  it('returns the first value column by default, another column by name, undefined for unknown keys and empty cells', () => {
    expect(lookups.lookup('stripe-decline-codes', 'insufficient_funds')).toBe('not enough funds');
    expect(lookups.lookup('stripe-decline-codes', 'insufficient_funds', 'next_step')).toBe(
      'use another card',
    );
    expect(lookups.lookup('stripe-decline-codes', 'no_such_code')).toBeUndefined();
    expect(lookups.lookup('stripe-decline-codes', undefined)).toBeUndefined();
    expect(lookups.lookup('stripe-decline-codes', 'expired_card', 'next_step')).toBeUndefined();
  });

  it('refuses a call to an unknown table or column at load time, with a suggestion', () => {
    const table = mappingWith("$lookup('stripe-decline-code', 'x')", lookups);
    expect(table.problems[0]).toMatchObject({
      line: 6,
      path: 'fields.title',
      hint: "did you mean 'stripe-decline-codes'?",
    });
    expect(table.problems[0].message).toContain("unknown lookup table 'stripe-decline-code'");
    const column = mappingWith("$lookup('stripe-decline-codes', 'x', 'next_stepp')", lookups);
    expect(column.problems[0].message).toContain("has no column 'next_stepp'");
  });

  it('is callable from a mapping expression', async () => {
    const { mapping } = mappingWith(
      "$lookup('stripe-decline-codes', code) & ' / ' & $toBase($money(amount, currency)).value",
      lookups,
    );
    const [result] = await evaluateMapping(mapping!, {
      code: 'insufficient_funds',
      amount: 2200,
      currency: 'usd',
    });
    expect(result.fields.title).toBe('not enough funds / 19.39');
  });

  it('converts money to the reporting currency exactly, rounding half to even', () => {
    expect(lookups.toBase({ value: '22.00', currency: 'USD' })).toEqual({
      value: '19.39',
      currency: 'EUR',
    });
    expect(lookups.toBase({ value: '5000', currency: 'JPY' })).toEqual({
      value: '28.06',
      currency: 'EUR',
    });
    expect(lookups.toBase({ value: '0.500', currency: 'KWD' })).toEqual({
      value: '1.44',
      currency: 'EUR',
    });
    expect(lookups.toBase({ value: '-12.34', currency: 'EUR' })).toEqual({
      value: '-12.34',
      currency: 'EUR',
    });
    // A rate the table does not know leaves amountBase out rather than guessing.
    expect(lookups.toBase({ value: '1.00', currency: 'CHF' })).toBeUndefined();
    expect(lookups.toBase(undefined)).toBeUndefined();
    expect(() => lookups.toBase({ value: 'abc', currency: 'USD' })).toThrow('$toBase');
    // Exact at any size (checked with Python's decimal): 1234567890123.45 × 0.8812 = 1087901224776.78414.
    expect(lookups.toBase({ value: '1234567890123.45', currency: 'USD' })?.value).toBe(
      '1087901224776.78',
    );
  });

  it('rounds half to even', () => {
    expect(multiplyDecimals(toScaled('0.125'), toScaled('1'), 2)).toBe('0.12');
    expect(multiplyDecimals(toScaled('0.135'), toScaled('1'), 2)).toBe('0.14');
    expect(multiplyDecimals(toScaled('-0.125'), toScaled('1'), 2)).toBe('-0.12');
    expect(multiplyDecimals(toScaled('3'), toScaled('0.5'), 0)).toBe('2');
  });

  it('reports bad CSV with file and line: duplicate keys, short rows, bad names', () => {
    expect(
      parseLookupCsv('code,description\nA,one\nA,two\n', 'lookups/x.csv').problems[0],
    ).toMatchObject({
      file: 'lookups/x.csv',
      line: 3,
      message: "key 'A' is already on line 2",
    });
    expect(parseLookupCsv('code,description\nA\n', 'lookups/x.csv').problems[0]).toMatchObject({
      line: 2,
    });
    expect(parseLookupCsv('code\nA\n', 'lookups/x.csv').problems[0].message).toContain(
      'header row',
    );
    expect(parseLookupCsv('a,b\n1,2\n', 'lookups/Bad Name.csv').problems[0].message).toContain(
      'not a table name',
    );
  });

  it('never lets a key reach a prototype', () => {
    const t = tables({ t: 'k,v\n__proto__,x\nconstructor,y\n' });
    expect(t.lookup('t', '__proto__')).toBe('x');
    expect(t.lookup('t', 'toString')).toBeUndefined();
    expect(t.lookup('t', 'constructor', 'v')).toBe('y');
  });

  it('loads every shipped table without problems', async () => {
    const { tables: shipped, problems } = await loadLookupTables(SHIPPED_LOOKUPS);
    expect(problems).toEqual([]);
    expect(shipped.names()).toEqual([
      'business-processes',
      'customer-tiers',
      'fx-rates',
      'iso20022-return-reasons',
      'iso20022-status-reasons',
      'netsuite-currencies',
      'sap-payment-block-reasons',
      'stripe-decline-codes',
      'stripe-dispute-reasons',
      'stripe-refund-failures',
      'stripe-refund-policy',
      'supplier-bank-accounts',
      'supplier-criticality',
      'supplier-names',
    ]);
    expect(shipped.reportingCurrency).toBe('USD');
    expect(shipped.lookup('iso20022-status-reasons', 'AC04')).toBe('ClosedAccountNumber');
    expect(shipped.lookup('iso20022-return-reasons', 'AM04')).toBe('InsufficientFunds');
    expect(shipped.lookup('sap-payment-block-reasons', 'R')).toBe('Invoice verification');
  });
});
