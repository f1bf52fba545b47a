import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatOutcome, loadCasesFile, runCases } from './cases';
import { diffExceptions, formatDifference } from './diff';
import { MappingLoadError } from './errors';

describe('diffExceptions', () => {
  it('reports changed, missing and unexpected values with their path', () => {
    const differences = diffExceptions(
      [
        {
          amount: { value: '22.00', currency: 'USD' },
          dueAt: '2026-01-01T00:00:00Z',
          parties: [{ id: 'a' }],
        },
      ],
      [
        {
          amount: { value: '2200', currency: 'USD' },
          parties: [{ id: 'a' }, { id: 'b' }],
          title: 'T',
        },
      ],
    );
    expect(differences.map(formatDifference)).toEqual([
      '[0].amount.value: expected "22.00", got "2200"',
      '[0].dueAt: expected "2026-01-01T00:00:00Z", but it is missing',
      '[0].parties[1]: not expected, got {"id":"b"}',
      '[0].title: not expected, got "T"',
    ]);
  });

  it('tells a number from a string and counts exceptions', () => {
    expect(diffExceptions([{ v: 22 }], [{ v: '22' }]).map(formatDifference)).toEqual([
      '[0].v: expected 22, got "22"',
    ]);
    expect(diffExceptions([], [{ a: 1 }]).map(formatDifference)).toEqual([
      '[0]: not expected, got {"a":1}',
    ]);
  });

  it('ignores paths, with * for any key or index, in every exception', () => {
    const expected = [{ a: 1, s: { at: 'x' }, p: [{ id: 1, name: 'n' }] }, { a: 2 }];
    const actual = [
      { a: 1, s: { at: 'y' }, p: [{ id: 1, name: 'm' }] },
      { a: 2, s: { at: 'z' } },
    ];
    expect(diffExceptions(expected, actual, ['s.at', 'p.*.name'])).toEqual([]);
    expect(diffExceptions(expected, actual, ['s'])).toHaveLength(1);
  });
});

describe('golden cases', () => {
  let dir: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-cases-'));
    write(
      'acme/thing.mapping.yaml',
      [
        'id: acme.thing',
        'description: test',
        'source: { system: acme, objectType: event }',
        "match: kind = 'thing'",
        'fields:',
        '  title: { expr: "\'Thing \' & id", description: x }',
        '  amount: { expr: "$money(cents, currency)", description: x }',
        '',
      ].join('\n'),
    );
    write(
      'fixtures/thing.json',
      JSON.stringify({ kind: 'thing', id: 't1', cents: 1250, currency: 'eur' }),
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes, fails with a readable diff, and checks expected errors', async () => {
    write(
      'acme/thing.cases.yaml',
      [
        'mapping: acme.thing',
        'cases:',
        '  - name: from a fixture file',
        '    input: { file: ../fixtures/thing.json }',
        '    expect:',
        "      - { title: Thing t1, amount: { value: '12.50', currency: EUR } }",
        '  - name: a wrong expectation',
        '    input: { payload: { kind: thing, id: t2, cents: 1, currency: usd } }',
        '    expect:',
        "      - { title: Thing t2, amount: { value: '1.00', currency: USD } }",
        '  - name: not a thing',
        '    input: { payload: { kind: other } }',
        '    expect: []',
        '  - name: a bad currency',
        '    input: { payload: { kind: thing, id: t3, cents: 1, currency: dollars } }',
        '    expectError: currency "dollars" is not a 3-letter ISO 4217 code at payload /currency',
        '  - name: ignoring the amount',
        '    input: { payload: { kind: thing, id: t4, cents: 1, currency: usd } }',
        '    expect: [{ title: Thing t4 }]',
        '    ignore: [amount]',
        '  - name: a missing fixture',
        '    input: { file: nope.json }',
        '    expect: []',
        '',
      ].join('\n'),
    );
    const outcomes = await runCases(dir);
    expect(outcomes.map((o) => [o.name, o.passed])).toEqual([
      ['from a fixture file', true],
      ['a wrong expectation', false],
      ['not a thing', true],
      ['a bad currency', true],
      ['ignoring the amount', true],
      ['a missing fixture', false],
    ]);
    expect(formatOutcome(outcomes[1])).toMatch(
      /^FAIL \S*acme\/thing\.cases\.yaml:7:5 acme\.thing — a wrong expectation\n {2}\[0\]\.amount\.value: expected "1\.00", got "0\.01"$/,
    );
    expect(outcomes[1].actual).toEqual([
      { title: 'Thing t2', amount: { value: '0.01', currency: 'USD' } },
    ]);
    expect(outcomes[5].error).toMatch(/input file nope\.json cannot be read/);
  });

  it('refuses a cases file that sets both expect and expectError, or repeats a name', () => {
    write(
      'acme/bad.cases.yaml',
      [
        'mapping: acme.thing',
        'cases:',
        '  - name: twice',
        '    input: { payload: {} }',
        '    expect: []',
        '  - name: twice',
        '    input: { payload: {} }',
        '    expect: []',
        '    expectError: boom',
        '',
      ].join('\n'),
    );
    const load = () => loadCasesFile(join(dir, 'acme/bad.cases.yaml'));
    expect(load).toThrow(MappingLoadError);
    expect(load).toThrow(
      /bad\.cases\.yaml:6:5 cases\[1\]: set exactly one of `expect` .* or `expectError`/,
    );
  });

  it('reports a cases file that names an unknown mapping', async () => {
    write(
      'acme/other.cases.yaml',
      'mapping: acme.unknown\ncases:\n  - { name: x, input: { payload: {} }, expect: [] }\n',
    );
    const [outcome] = await runCases(dir);
    expect(outcome.passed).toBe(false);
    expect(outcome.error).toBe('no mapping with id "acme.unknown" is loaded');
  });
});
