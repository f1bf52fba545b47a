import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CONNECTOR_DEFINITIONS } from '@exhub/connectors';
import { commanderExitCode, EXIT_USAGE } from '../conventions';
import {
  CONFIG_SCHEMA_FILE,
  namesOf,
  prettify,
  registerConnectorsCommands,
  registerDefinition,
  registerSchemaType,
  scaffoldConnector,
} from './connectors';

const ROOT = join(__dirname, '../../../..');
/** What a scaffold imports or is checked with, linked into the temporary checkout. */
const LINKED = ['libs', 'node_modules', '.prettierrc.json', '.prettierignore'];

/**
 * A throwaway checkout in the OS temp dir: the repository's libs and node_modules linked in, an
 * empty connectors/ and mappings/, and a Jest config whose unit project only sees that checkout.
 * Scaffolds are generated there, so nothing is ever written into this repository's connectors/.
 */
function tempCheckout(): string {
  const root = mkdtempSync(join(tmpdir(), 'exhub-scaffold-'));
  for (const entry of LINKED) symlinkSync(join(ROOT, entry), join(root, entry));
  // Copied, not linked: the scaffolder writes the new type into the config schema's enum.
  cpSync(join(ROOT, 'schemas'), join(root, 'schemas'), { recursive: true });
  mkdirSync(join(root, 'connectors'));
  mkdirSync(join(root, 'mappings'));
  writeFileSync(
    join(root, 'jest.config.js'),
    `const unit = require(${JSON.stringify(join(ROOT, 'jest.config.js'))}).projects.find((p) => p.displayName === 'unit');\n` +
      `module.exports = { ...unit, rootDir: __dirname, testMatch: ['<rootDir>/connectors/**/*.spec.ts'], testTimeout: 60000 };\n`,
  );
  return root;
}

/** Scaffolds `kind` into a temp checkout, checks Prettier is happy, runs its specs; returns Jest's report. */
async function scaffoldAndTest(
  kind: 'rest' | 'soap' | 'webhook',
): Promise<{ files: string[]; jest: SpawnSyncReturns<string> }> {
  const root = tempCheckout();
  try {
    const files = scaffoldConnector('acme-erp', kind, join(root, 'connectors'));
    await prettify(files);
    const check = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/prettier/bin/prettier.cjs'),
        '--check',
        ...new Set(files.map((f) => relative(root, f).split('/')[0])),
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(check.stdout + check.stderr).toMatch(/All matched files use Prettier code style/);
    expect(check.status).toBe(0);
    const jest = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/jest/bin/jest.js'), '--config', join(root, 'jest.config.js')],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules' },
        timeout: 100_000,
      },
    );
    return { files: files.map((f) => relative(root, f)).sort(), jest };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('exhub connectors new', () => {
  it('derives the names from kebab-case', () => {
    expect(namesOf('acme-erp')).toEqual({ name: 'acme-erp', pascal: 'AcmeErp', upper: 'ACME_ERP' });
  });

  it('writes the definition and adds exactly one line (and its import) to the list of types', () => {
    const root = tempCheckout();
    try {
      const list = readFileSync(join(ROOT, 'connectors/definitions.ts'), 'utf8');
      writeFileSync(join(root, 'connectors/definitions.ts'), list);
      const files = scaffoldConnector('acme-erp', 'rest', join(root, 'connectors'));
      expect(files.map((f) => relative(root, f))).toContain('connectors/acme-erp/definition.ts');
      const definition = readFileSync(join(root, 'connectors/acme-erp/definition.ts'), 'utf8');
      expect(definition).toContain("type: 'acme-erp',");
      expect(definition).toContain("kind: 'poll',");
      expect(definition).toContain(
        "(await import('./acme-erp.connector.js')).acmeErpFromSettings(",
      );
      registerDefinition('acme-erp', join(root, 'connectors'));
      const after = readFileSync(join(root, 'connectors/definitions.ts'), 'utf8').split('\n');
      const before = list.split('\n');
      const added = after.filter((l) => !before.includes(l));
      expect(added).toEqual([
        "import { acmeErpDefinition } from './acme-erp/definition';",
        '  acmeErpDefinition,',
      ]);
      expect(after.length).toBe(before.length + 2);
      expect(CONNECTOR_DEFINITIONS.map((d) => d.type)).not.toContain('acme-erp');
      // The config schema's type enum follows the list: the existing types, then the new one.
      expect(registerSchemaType('acme-erp', join(root, 'connectors'))).toBe(
        join(root, CONFIG_SCHEMA_FILE),
      );
      const enumOf = (file: string): string[] =>
        (
          JSON.parse(readFileSync(file, 'utf8')) as {
            properties: { connectors: { items: { properties: { type: { enum: string[] } } } } };
          }
        ).properties.connectors.items.properties.type.enum;
      expect(enumOf(join(root, CONFIG_SCHEMA_FILE))).toEqual([
        ...enumOf(join(ROOT, CONFIG_SCHEMA_FILE)),
        'acme-erp',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a bad name and an existing connector or mappings folder', () => {
    expect(() => scaffoldConnector('Acme_ERP', 'rest')).toThrow(/must be kebab-case/);
    expect(() => scaffoldConnector('stripe', 'rest', join(ROOT, 'connectors'))).toThrow(
      /already exists/,
    );
    const root = tempCheckout();
    try {
      mkdirSync(join(root, 'mappings', 'acme'));
      expect(() => scaffoldConnector('acme', 'webhook', join(root, 'connectors'))).toThrow(
        /mappings\/acme already exists/,
      );
      expect(() => scaffoldConnector('acme', 'rest', join(root, 'connectors'))).not.toThrow();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('runs as `exhub connectors new`, into --dir and --mappings-dir, and refuses an unknown kind', async () => {
    const root = mkdtempSync(join(tmpdir(), 'exhub-cli-'));
    const printed = { out: '', err: '' };
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((c) => {
      printed.out += String(c);
      return true;
    });
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((c) => {
      printed.err += String(c);
      return true;
    });
    const exhub = async (...args: string[]): Promise<void> => {
      const program = new Command('exhub').exitOverride();
      registerConnectorsCommands(program);
      await program.parseAsync(['node', 'exhub', 'connectors', 'new', ...args]);
    };
    try {
      await exhub(
        'acme',
        '--kind',
        'webhook',
        '--dir',
        join(root, 'c'),
        '--mappings-dir',
        join(root, 'm'),
      );
      expect(process.exitCode).toBeUndefined();
      expect(existsSync(join(root, 'c/acme/acme.connector.ts'))).toBe(true);
      expect(existsSync(join(root, 'm/acme/event.mapping.yaml'))).toBe(true);
      expect(printed.out).toContain(`created ${join(root, 'm/acme/event.cases.yaml')}`);
      expect(printed.out).toMatch(/next: .*--testPathPatterns .*c\/acme/);
      const refused = await exhub('acme2', '--kind', 'graphql', '--dir', join(root, 'c')).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(CommanderError);
      expect(commanderExitCode(refused as CommanderError)).toBe(EXIT_USAGE);
      expect(printed.err).toContain(
        "option '--kind <kind>' argument 'graphql' is invalid. Allowed choices are rest, soap, webhook.",
      );
      expect(existsSync(join(root, 'c/acme2'))).toBe(false);
    } finally {
      out.mockRestore();
      err.mockRestore();
      process.exitCode = undefined;
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('scaffolds connectors of every kind that typecheck (strict) and lint as generated', async () => {
    const root = tempCheckout();
    try {
      for (const [name, kind] of [
        ['acme-rest', 'rest'],
        ['acme-soap', 'soap'],
        ['acme-hooks', 'webhook'],
      ] as const) {
        await prettify(scaffoldConnector(name, kind, join(root, 'connectors')));
      }
      writeFileSync(
        join(root, 'tsconfig.json'),
        JSON.stringify({
          extends: join(ROOT, 'tsconfig.json'),
          compilerOptions: { rootDir: '/', noEmit: true },
          include: ['connectors'],
        }),
      );
      const tsc = spawnSync(
        process.execPath,
        [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
        { cwd: root, encoding: 'utf8', timeout: 100_000 },
      );
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);
      const eslint = spawnSync(
        process.execPath,
        [
          join(ROOT, 'node_modules/eslint/bin/eslint.js'),
          '--config',
          join(ROOT, 'eslint.config.mjs'),
          'connectors',
        ],
        { cwd: root, encoding: 'utf8', timeout: 100_000 },
      );
      expect(eslint.stdout + eslint.stderr).toBe('');
      expect(eslint.status).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);

  it('scaffolds a REST connector that passes the contract kit as generated', async () => {
    const { files, jest } = await scaffoldAndTest('rest');
    expect(files).toEqual([
      'connectors/acme-erp/README.md',
      'connectors/acme-erp/acme-erp.config.schema.json',
      'connectors/acme-erp/acme-erp.connector.spec.ts',
      'connectors/acme-erp/acme-erp.connector.ts',
      'connectors/acme-erp/acme-erp.constants.ts',
      'connectors/acme-erp/definition.ts',
      'connectors/acme-erp/fixtures/README.md',
      'connectors/acme-erp/fixtures/items.json',
      'connectors/acme-erp/index.ts',
      'connectors/acme-erp/testing/index.ts',
      'connectors/acme-erp/testing/simulator.ts',
    ]);
    expect(jest.stderr).toMatch(/connector contract: acme-erp/);
    expect(jest.stderr).toMatch(/Tests:\s+9 passed, 9 total/);
    expect(jest.status).toBe(0);
  }, 120_000);

  it('scaffolds a SOAP connector that passes the contract kit as generated', async () => {
    const { files, jest } = await scaffoldAndTest('soap');
    expect(files).toEqual([
      'connectors/acme-erp/README.md',
      'connectors/acme-erp/acme-erp.config.schema.json',
      'connectors/acme-erp/acme-erp.connector.spec.ts',
      'connectors/acme-erp/acme-erp.connector.ts',
      'connectors/acme-erp/acme-erp.constants.ts',
      'connectors/acme-erp/definition.ts',
      'connectors/acme-erp/fixtures/README.md',
      'connectors/acme-erp/fixtures/items.json',
      'connectors/acme-erp/index.ts',
      'connectors/acme-erp/testing/index.ts',
      'connectors/acme-erp/testing/simulator.ts',
      'connectors/acme-erp/wsdl/acme-erp.wsdl',
    ]);
    expect(jest.stderr).toMatch(/connector contract: acme-erp/);
    expect(jest.stderr).toMatch(/Tests:\s+13 passed, 13 total/);
    expect(jest.status).toBe(0);
  }, 120_000);

  it('scaffolds a webhook connector that passes the webhook contract and its golden cases', async () => {
    const { files, jest } = await scaffoldAndTest('webhook');
    expect(files).toEqual([
      'connectors/acme-erp/README.md',
      'connectors/acme-erp/acme-erp.config.schema.json',
      'connectors/acme-erp/acme-erp.connector.spec.ts',
      'connectors/acme-erp/acme-erp.connector.ts',
      'connectors/acme-erp/acme-erp.constants.ts',
      'connectors/acme-erp/definition.ts',
      'connectors/acme-erp/fixtures/README.md',
      'connectors/acme-erp/fixtures/event.json',
      'connectors/acme-erp/index.ts',
      'mappings/acme-erp/event.cases.yaml',
      'mappings/acme-erp/event.mapping.yaml',
    ]);
    expect(jest.stderr).toMatch(/webhook contract: acme-erp/);
    expect(jest.stderr).toMatch(/Tests:\s+14 passed, 14 total/);
    expect(jest.status).toBe(0);
  }, 120_000);
});
