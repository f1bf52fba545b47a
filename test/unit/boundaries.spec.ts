/**
 * The package boundaries and the import graph are checked by `npm run lint` (CI): ESLint's
 * no-restricted-imports (eslint.config.mjs) refuses a deep import across a library boundary, and
 * dependency-cruiser (.dependency-cruiser.cjs) refuses an import cycle. These tests show both checks
 * fail on the defect they exist for, and pass the import the README tells people to write.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';

const ROOT = join(__dirname, '../..');
const run = promisify(execFile);

describe('package boundaries (ESLint no-restricted-imports)', () => {
  const eslint = new ESLint({ cwd: ROOT });
  const problems = async (file: string, code: string): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
    return result.messages
      .filter((m) => m.ruleId === 'no-restricted-imports')
      .map((m) => m.message);
  };

  it("refuses an app's deep import into a library's files, and names the alias to use", async () => {
    const found = await problems(
      'apps/hub/src/boundary-probe.ts',
      "import { HubError } from '../../../libs/core/src/errors';\nexport const x = HubError;\n",
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/@exhub\/<lib>/);
  });

  it('refuses a library climbing into another library, and a deep import into a connector', async () => {
    expect(
      await problems(
        'libs/mapping/src/boundary-probe.ts',
        "import { HubError } from '../../core/src/errors';\nexport const x = HubError;\n",
      ),
    ).toHaveLength(1);
    expect(
      await problems(
        'apps/cli/src/boundary-probe.ts',
        "import { SapS4Connector } from '../../../connectors/sap-s4/sap-s4.connector';\nexport const x = SapS4Connector;\n",
      ),
    ).toHaveLength(1);
  });

  it('accepts the aliases, and test-only modules imported by path from a test', async () => {
    expect(
      await problems(
        'apps/hub/src/boundary-probe.ts',
        "import { HubError } from '@exhub/core';\nimport { SapS4Connector } from '@exhub/connectors/sap-s4';\nexport const x = [HubError, SapS4Connector];\n",
      ),
    ).toEqual([]);
    expect(
      await problems(
        'test/e2e/boundary-probe.e2e-spec.ts',
        "import { SapS4Simulator } from '../../connectors/sap-s4/testing';\nexport const x = SapS4Simulator;\n",
      ),
    ).toEqual([]);
  });
});

describe('import cycles (dependency-cruiser)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-cycle-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cruise = (target: string) =>
    run(
      process.execPath,
      [
        join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs'),
        target,
        '--config',
        join(ROOT, '.dependency-cruiser.cjs'),
        '--output-type',
        'err',
      ],
      { cwd: ROOT },
    );

  it('fails on two modules that import each other, naming both', async () => {
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b';\nexport const a = () => b;\n");
    writeFileSync(join(dir, 'b.ts'), "import { a } from './a';\nexport const b = () => a;\n");
    const failed = await cruise(dir).then(
      () => undefined,
      (err: { code: number; stdout: string }) => err,
    );
    expect(failed).toBeDefined();
    expect(failed!.stdout).toMatch(/no-circular/);
    expect(failed!.stdout).toMatch(/a\.ts/);
    expect(failed!.stdout).toMatch(/b\.ts/);
  });

  it('passes the same modules once the cycle is broken', async () => {
    writeFileSync(join(dir, 'b.ts'), 'export const b = () => 1;\n');
    const { stdout } = await cruise(dir);
    expect(stdout).toMatch(/no dependency violations/);
  });
});
