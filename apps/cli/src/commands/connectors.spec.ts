import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { namesOf, prettify, scaffoldConnector } from './connectors';

const ROOT = join(__dirname, '../../../..');

describe('exhub connectors new', () => {
  it('derives the names from kebab-case', () => {
    expect(namesOf('acme-erp')).toEqual({ name: 'acme-erp', pascal: 'AcmeErp', upper: 'ACME_ERP' });
  });

  it('refuses a bad name, an existing folder, and kinds it cannot scaffold yet', () => {
    expect(() => scaffoldConnector('Acme_ERP', 'rest')).toThrow(/must be kebab-case/);
    expect(() => scaffoldConnector('stripe', 'rest', join(ROOT, 'connectors'))).toThrow(
      /already exists/,
    );
    expect(() => scaffoldConnector('acme', 'soap')).toThrow(/--kind soap is not scaffolded yet/);
  });

  it('scaffolds a REST connector that passes the contract kit as generated', async () => {
    const name = `scaffold-check-${randomBytes(3).toString('hex')}`;
    const dir = join(ROOT, 'connectors', name);
    try {
      const files = scaffoldConnector(name, 'rest', join(ROOT, 'connectors'));
      expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual([
        'README.md',
        'fixtures/README.md',
        'fixtures/items.json',
        'index.ts',
        `${name}.config.schema.json`,
        `${name}.connector.spec.ts`,
        `${name}.connector.ts`,
        `${name}.constants.ts`,
        'simulator.ts',
      ]);
      await prettify(files);
      const check = spawnSync(
        process.execPath,
        [join(ROOT, 'node_modules/prettier/bin/prettier.cjs'), '--check', dir],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(check.status).toBe(0);
      const jest = spawnSync(
        process.execPath,
        [
          join(ROOT, 'node_modules/jest/bin/jest.js'),
          '--selectProjects',
          'unit',
          '--testPathPatterns',
          `connectors/${name}/`,
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
          env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules' },
          timeout: 50_000,
        },
      );
      expect(jest.stderr).toMatch(/Tests:\s+8 passed, 8 total/);
      expect(jest.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(dir)).toBe(false);
  }, 60_000);
});
