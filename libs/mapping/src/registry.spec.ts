import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MappingLoadError } from './errors';
import { MappingRegistry } from './registry';

function mappingYaml(id: string, objectType: string, match: string, title: string): string {
  return [
    `id: ${id}`,
    'description: test mapping',
    `source: { system: acme, objectType: ${objectType} }`,
    `match: ${match}`,
    'fields:',
    `  title: { expr: "${title}", description: x }`,
    '',
  ].join('\n');
}

describe('MappingRegistry', () => {
  let dir: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-mappings-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads every *.mapping.yaml below the directory and ignores other files', async () => {
    write('acme/a.mapping.yaml', mappingYaml('acme.a', 'event', "kind = 'a'", "'A ' & id"));
    write('acme/b.mapping.yaml', mappingYaml('acme.b', 'event', "'true'", "'B ' & id"));
    write('acme/c.mapping.yaml', mappingYaml('acme.c', 'ticket', 'null', "'C'"));
    write('acme/a.cases.yaml', 'not: a mapping');
    write('lookups/fx.csv', 'from,to,rate\n');

    const registry = await MappingRegistry.loadDir(dir);
    expect(registry.size).toBe(3);
    expect(registry.list()).toEqual([
      expect.objectContaining({
        id: 'acme.a',
        system: 'acme',
        objectType: 'event',
        version: expect.stringMatching(/^[0-9a-f]{12}$/),
      }),
      expect.objectContaining({ id: 'acme.b', objectType: 'event' }),
      expect.objectContaining({ id: 'acme.c', objectType: 'ticket' }),
    ]);
    expect(registry.list()[0].file).toMatch(/acme\/a\.mapping\.yaml$/);
    expect(registry.forSource('acme', 'event').map((m) => m.id)).toEqual(['acme.a', 'acme.b']);
    expect(registry.get('acme.c')?.source.objectType).toBe('ticket');
    expect(registry.get('acme.zzz')).toBeUndefined();
  });

  it('maps a payload with every matching mapping of its source, and [] when none matches', async () => {
    write('acme/a.mapping.yaml', mappingYaml('acme.a', 'event', "kind = 'a'", "'A ' & id"));
    write('acme/b.mapping.yaml', mappingYaml('acme.b', 'event', "'true'", "'B ' & id"));
    const registry = await MappingRegistry.loadDir(dir);

    const both = await registry.map('acme', 'event', { kind: 'a', id: '1' });
    expect(both.map((r) => [r.mapping.id, r.fields.title])).toEqual([
      ['acme.a', 'A 1'],
      ['acme.b', 'B 1'],
    ]);
    expect(await registry.map('acme', 'event', { kind: 'x', id: '2' })).toHaveLength(1);
    expect(await registry.map('acme', 'nothing', { id: '3' })).toEqual([]);
    expect(await registry.map('other', 'event', { id: '3' })).toEqual([]);
  });

  it('lists every problem of every bad file, and ids used twice, in one error', async () => {
    write('acme/good.mapping.yaml', mappingYaml('acme.same', 'event', 'null', "'ok'"));
    write('acme/twin.mapping.yaml', mappingYaml('acme.same', 'event', 'null', "'ok'"));
    write('acme/syntax.mapping.yaml', mappingYaml('acme.syntax', 'event', 'null', '$money(a'));
    write(
      'acme/schema.mapping.yaml',
      mappingYaml('acme.schema', 'event', 'true', "'x'").replace('title:', 'priority:'),
    );

    const err = await MappingRegistry.loadDir(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MappingLoadError);
    const problems = (err as MappingLoadError).problems;
    expect(problems.map((p) => [p.file.replace(/.*\/acme\//, ''), p.line, p.path])).toEqual([
      ['schema.mapping.yaml', 4, 'match'],
      ['schema.mapping.yaml', 6, 'fields.priority'],
      ['syntax.mapping.yaml', 6, 'fields.title'],
      ['twin.mapping.yaml', 1, 'id'],
    ]);
    expect(problems[0].message).toMatch(/quote values YAML would read as a number, boolean/);
    expect(problems[3].message).toMatch(/"acme.same" is already used by .*good\.mapping\.yaml:1/);
    expect((err as Error).message).toMatch(
      /^Cannot load mappings from .*: 4 problems\n {2}\S+schema\.mapping\.yaml:4:8 match: /,
    );
  });

  it('says so when the directory does not exist', async () => {
    await expect(MappingRegistry.loadDir(join(dir, 'nope'))).rejects.toThrow(
      /is not a directory — set EXHUB_MAPPINGS_DIR/,
    );
  });

  it('loads an empty directory as an empty registry', async () => {
    const registry = await MappingRegistry.loadDir(dir);
    expect(registry.list()).toEqual([]);
    expect(await registry.map('acme', 'event', {})).toEqual([]);
  });
});
