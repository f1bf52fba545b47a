import { compileMapping, compileMappingSource } from './compile';
import { evaluateMapping } from './evaluate';

const FILE = 'mappings/acme/thing-closed.mapping.yaml';

/** A lifecycle mapping; `drop` removes a field line (and its description), `extra` adds lines. */
function lifecycleText(options: { emits?: string; drop?: string; extra?: string[] } = {}): string {
  const fields: Record<string, string> = {
    type: '    value: payment_failure',
    'source.objectType': '    value: thing',
    'source.objectId': '    expr: id',
    'lifecycle.status': "    expr: \"state = 'closed' ? 'resolved' : 'open'\"",
    'lifecycle.reason': '    expr: "\'Thing \' & state"',
    occurredAt: '    expr: at',
  };
  return [
    'id: acme.thing-closed',
    'description: The thing was closed or re-opened.',
    'source: { system: acme, objectType: thing }',
    `emits: ${options.emits ?? 'lifecycle'}`,
    "match: state in ['closed', 'reopened']",
    'fields:',
    ...Object.entries(fields)
      .filter(([k]) => k !== options.drop)
      .flatMap(([k, v]) => [`  ${k}:`, v, '    description: x']),
    ...(options.extra ?? []),
  ].join('\n');
}

describe('mappings with emits: lifecycle', () => {
  it('compile, and their results say they are lifecycle results', async () => {
    const mapping = compileMapping(lifecycleText(), FILE);
    expect(mapping.emits).toBe('lifecycle');
    expect(
      await evaluateMapping(mapping, { id: 't-1', state: 'closed', at: '2026-03-01T10:00:00Z' }),
    ).toEqual([
      {
        mapping: { id: 'acme.thing-closed', version: mapping.version },
        emits: 'lifecycle',
        fields: {
          type: 'payment_failure',
          source: { objectType: 'thing', objectId: 't-1' },
          lifecycle: { status: 'resolved', reason: 'Thing closed' },
          occurredAt: '2026-03-01T10:00:00Z',
        },
      },
    ]);
    expect(await evaluateMapping(mapping, { id: 't-1', state: 'open' })).toEqual([]);
  });

  it('exception mappings are unchanged: no emits on their results', async () => {
    const text = lifecycleText({ emits: 'exception', drop: 'lifecycle.status' }).replace(
      / {2}lifecycle\.reason:\n.*\n.*\n/,
      '',
    );
    const mapping = compileMapping(text, FILE);
    expect(mapping.emits).toBe('exception');
    const [result] = await evaluateMapping(mapping, { id: 't', state: 'closed' });
    expect(result).not.toHaveProperty('emits');
  });

  it('must name the natural key and the status, at the line of `fields`', () => {
    const { problems } = compileMappingSource(lifecycleText({ drop: 'source.objectId' }), FILE);
    expect(problems).toEqual([
      expect.objectContaining({
        file: FILE,
        line: 6,
        message: 'a lifecycle mapping must set `source.objectId`',
      }),
    ]);
  });

  it('may name the exception by references instead of its natural key', () => {
    const text = lifecycleText({
      drop: 'source.objectId',
      extra: ['  references.bankTransaction:', '    expr: e2e', '    description: x'],
    }).replace(/ {2}source\.objectType:\n.*\n.*\n/, '');
    expect(compileMappingSource(text, FILE).problems).toEqual([]);
    // Half a natural key is refused even with references.
    const half = lifecycleText({
      drop: 'source.objectId',
      extra: ['  references.bankTransaction:', '    expr: e2e', '    description: x'],
    });
    expect(compileMappingSource(half, FILE).problems.map((p) => p.message)).toEqual([
      'a lifecycle mapping must set `source.objectId`',
    ]);
  });

  it('refuses fields an end does not change, and lifecycle fields in an exception mapping', () => {
    const extra = ['  title:', '    expr: "\'x\'"', '    description: x'];
    const { problems } = compileMappingSource(lifecycleText({ extra }), FILE);
    expect(problems.map((p) => p.message)).toEqual(['`title` is not set by a lifecycle mapping']);
    const asException = compileMappingSource(lifecycleText({ emits: 'exception' }), FILE);
    expect(asException.problems.map((p) => [p.line, p.message])).toEqual([
      [16, '`lifecycle.status` is only for lifecycle mappings'],
      [19, '`lifecycle.reason` is only for lifecycle mappings'],
    ]);
  });

  it('refuses a constant status the hub does not apply, and an unknown emits', () => {
    const text = lifecycleText().replace(
      /lifecycle\.status:\n.*\n/,
      'lifecycle.status:\n    value: closed\n',
    );
    expect(compileMappingSource(text, FILE).problems).toEqual([
      expect.objectContaining({
        message: 'is not a lifecycle status',
        hint: 'use one of: resolved, open',
      }),
    ]);
    const unknown = compileMappingSource(lifecycleText({ emits: 'closure' }), FILE).problems;
    expect(unknown.map((p) => [p.path, p.message])).toEqual([
      ['emits', '"closure" must be `exception` (the default) or `lifecycle`'],
    ]);
  });
});
