import { createHash } from 'node:crypto';
import { compileMapping, compileMappingSource } from './compile';
import { MappingLoadError } from './errors';
import type { MappingProblem } from './types';

const FILE = 'mappings/acme/thing.mapping.yaml';

/** A valid mapping with `extra` lines appended under `fields:` (indented by the caller). */
function mappingText(extraFields = '', head = ''): string {
  return [
    'id: acme.thing',
    'description: A thing went wrong.',
    'source: { system: acme, objectType: thing }',
    head,
    'fields:',
    '  type:',
    '    value: payment_failure',
    '    description: Always a payment failure.',
    '  title:',
    '    expr: "\'Thing \' & id"',
    '    description: The thing and its id.',
    extraFields,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function problemsOf(text: string): MappingProblem[] {
  const result = compileMappingSource(text, FILE);
  expect(result.mapping).toBeUndefined();
  return result.problems;
}

function oneProblem(text: string): MappingProblem {
  const problems = problemsOf(text);
  expect(problems).toHaveLength(1);
  return problems[0];
}

describe('compileMappingSource', () => {
  it('compiles a valid mapping with its content hash as version', () => {
    const text = mappingText();
    const mapping = compileMapping(text, FILE);
    expect(mapping.id).toBe('acme.thing');
    expect(mapping.source).toEqual({ system: 'acme', objectType: 'thing' });
    expect(mapping.version).toBe(createHash('sha256').update(text).digest('hex').slice(0, 12));
    expect(mapping.version).toMatch(/^[0-9a-f]{12}$/);
    expect(mapping.fields.map((f) => f.path)).toEqual(['type', 'title']);
    expect(mapping.fields[0].constant).toBe('payment_failure');
    expect(mapping.fields[1].expression?.position).toEqual({ file: FILE, line: 9, column: 11 });
    expect(mapping.match).toBeUndefined();
    expect(mapping.limits.expressionTimeoutMs).toBe(50);
  });

  it('changes the version when one byte changes', () => {
    expect(compileMapping(mappingText(), FILE).version).not.toBe(
      compileMapping(`${mappingText()}\n`, FILE).version,
    );
  });

  it('names file, line, column, field, the JSONata error and the fix for a syntax error', () => {
    const problem = oneProblem(
      mappingText('  amount:\n    expr: $money(amount, currency\n    description: The amount.'),
    );
    expect(problem).toMatchObject({ file: FILE, line: 12, column: 11, path: 'fields.amount' });
    expect(problem.message).toMatch(/^JSONata syntax error at position \d+: Expected "\)"/);
    expect(problem.hint).toBe('check the parentheses');
    expect(new MappingLoadError([problem]).message).toContain(
      `${FILE}:12:11 fields.amount: JSONata syntax error at position`,
    );
  });

  it('refuses unknown functions and variables at load, with a suggestion', () => {
    const fn = oneProblem(
      mappingText('  amount:\n    expr: $mony(amount, currency)\n    description: x'),
    );
    expect(fn.message).toMatch(/unknown function \$mony\(\)/);
    expect(fn.hint).toBe('did you mean $money?');
    const variable = oneProblem(
      mappingText('  summary:\n    expr: $roo.summary\n    description: x'),
    );
    expect(variable.message).toMatch(/unknown variable \$roo/);
    expect(variable.hint).toBe('did you mean $root?');
  });

  it('accepts variables the expression binds itself, and $root/$index', () => {
    const text = mappingText(
      [
        '  summary:',
        '    expr: |',
        '      ($f := function($n) { $n & "!" }; items@$it#$i.$f($it.name & $string($i + $index)) & $root.x)',
        '    description: x',
      ].join('\n'),
    );
    expect(compileMappingSource(text, FILE).problems).toEqual([]);
  });

  it('refuses hub-owned fields with a message saying who sets them', () => {
    const problems = problemsOf(
      mappingText(
        [
          '  id: { expr: "x", description: x }',
          '  priority.score: { value: 99, description: x }',
          '  source.system: { value: acme, description: x }',
          '  lineage.mapping.id: { value: x, description: x }',
          '  status: { value: open, description: x }',
        ].join('\n'),
      ),
    );
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['fields.id', 11],
      ['fields.priority.score', 12],
      ['fields.source.system', 13],
      ['fields.lineage.mapping.id', 14],
      ['fields.status', 15],
    ]);
    for (const p of problems) expect(p.message).toMatch(/set by the hub/);
    expect(problems[0].message).toMatch(/natural key/);
    expect(problems[0].column).toBe(3);
  });

  it('refuses unknown fields, listing the allowed ones', () => {
    const problem = oneProblem(mappingText('  amout: { expr: amount, description: x }'));
    expect(problem.path).toBe('fields.amout');
    expect(problem.message).toMatch(
      /is not a canonical field a mapping can set; did you mean `amount`\?/,
    );
    expect(problem.message).toContain('signals.<name>');
  });

  it('refuses field paths that could reach a prototype', () => {
    const problems = problemsOf(
      mappingText(
        '  __proto__: { expr: x, description: x }\n  signals.constructor: { expr: x, description: x }',
      ),
    );
    expect(problems.map((p) => p.path)).toEqual(['fields.__proto__', 'fields.signals.constructor']);
    for (const p of problems) expect(p.message).toMatch(/can never be field names/);
  });

  it('refuses a whole object and its parts together', () => {
    const problem = oneProblem(
      mappingText(
        '  amount: { expr: "$money(a, c)", description: x }\n  amount.value: { expr: "\'1\'", description: x }',
      ),
    );
    expect(problem).toMatchObject({ path: 'fields.amount.value', line: 12 });
    expect(problem.message).toBe('conflicts with `amount`');
  });

  it('wants exactly one of expr and value, a description, and a known domain', () => {
    const problems = problemsOf(
      mappingText(
        [
          '  summary: { expr: x, value: y, description: x }',
          '  dueAt: { expr: x }',
          '  domain: { value: sales, description: x }',
        ].join('\n'),
      ),
    );
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'fields.summary: set exactly one of `expr` (a JSONata expression) or `value` (a constant)',
      'fields.dueAt: every field needs a `description` in plain language',
      'fields.domain.value: "sales" must be one of: finance, support',
    ]);
  });

  it('reports YAML errors with their line and a hint for the ": " trap', () => {
    const problem = oneProblem(mappingText('  summary:\n    expr: a ?: b\n    description: x'));
    expect(problem).toMatchObject({ line: 12, path: '' });
    expect(problem.message).toMatch(/^YAML: /);
    expect(problem.hint).toMatch(/quote the expression/);
    expect(oneProblem(`${mappingText()}\n  type: { value: x, description: y }`).message).toMatch(
      /keys must be unique/,
    );
  });

  it('lists every problem of a file in one pass, in line order', () => {
    const problems = problemsOf(
      mappingText('  amount: { expr: "$money(", description: x }', 'match: type = \nextra: 1'),
    );
    expect(problems.map((p) => p.line)).toEqual([4, 5, 13]);
    expect(problems[0].path).toBe('match');
    expect(problems[1]).toMatchObject({ path: 'extra', column: 1 });
    expect(problems[1].message).toBe(
      'is not an allowed property; allowed: id, description, source, emits, match, each, fields',
    );
  });

  it('wants the id to start with the source system', () => {
    const problem = oneProblem(mappingText().replace('id: acme.thing', 'id: other.thing'));
    expect(problem).toMatchObject({ line: 1, path: 'id' });
    expect(problem.hint).toBe('name it acme.<name>, e.g. acme.thing');
  });

  it('names required top-level keys', () => {
    const problems = problemsOf('id: acme.x\nfields: {}\n');
    expect(problems.map((p) => p.message)).toEqual([
      '`description` is required',
      '`source` is required',
      'must not be empty',
    ]);
  });
});
