import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { outcomeSchema, parseOutcome } from './outcome-message';

const valid = {
  outcome: 'resolved',
  exceptionId: '826a36b5-7d48-50e7-b27f-46a1c26c94eb',
  version: 1,
  actor: 'disputes-bot',
  reason: 'Evidence submitted to Stripe; dispute won.',
  at: '2026-03-20T10:15:00Z',
};
const body = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('schemas/outcome.v1.schema.json', () => {
  it('is the outcome schema asyncapi.yaml documents (same keywords, same constraints)', () => {
    const doc = parse(
      readFileSync(join(__dirname, '../../../../schemas/asyncapi.yaml'), 'utf8'),
    ) as { components: { schemas: { outcome: Record<string, unknown> } } };
    const strip = ({
      $schema: _s,
      $id: _i,
      description: _d,
      examples: _e,
      ...rest
    }: Record<string, unknown>) => rest;
    expect(strip(outcomeSchema)).toEqual(strip(doc.components.schemas.outcome));
  });

  it('accepts the documented example and names every problem of a bad one', () => {
    expect(parseOutcome(body(valid))).toEqual({ ok: true, value: valid });
    const bad = parseOutcome(
      body({ ...valid, outcome: 'overridden', version: 0, extra: 1, exceptionId: "' OR 1=1" }),
    );
    expect(bad.ok).toBe(false);
    const pointers = !bad.ok ? bad.issues.map((i) => `${i.pointer} ${i.rule}`).sort() : [];
    expect(pointers).toEqual([
      '/exceptionId pattern',
      '/extra additionalProperties',
      '/tier required',
      '/version minimum',
    ]);
  });

  it('refuses a body that is not JSON, and a time that is not UTC', () => {
    expect(parseOutcome(Buffer.from('{nope'))).toEqual({
      ok: false,
      issues: [expect.objectContaining({ pointer: '', rule: 'json' })],
    });
    const local = parseOutcome(body({ ...valid, at: '2026-03-20T10:15:00+02:00' }));
    expect(!local.ok && local.issues.map((i) => i.pointer)).toEqual(['/at']);
  });
});
