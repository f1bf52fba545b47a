import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerIgnores, scanBuild, testSources } from '../../support/build-scan';

/**
 * `npm run build` output holds no test code: no simulator, contract kit or contract suite, no
 * compiled spec, nothing from a testing/ folder, no import of @jest/globals or of a testing/ path
 * (issue 14, item 6). Runs on the dist/ the e2e suite runs (scripts/test.sh builds it first); the
 * scan itself is unit-tested on the old layout's files in test/unit/build-scan.spec.ts.
 */
const ROOT = join(__dirname, '../../..');
const DIST = join(ROOT, 'dist');

describe('the production build (dist/)', () => {
  it('is there: the hub, the CLI and the connectors were built', () => {
    for (const entry of [
      'apps/hub/src/main.js',
      'apps/cli/src/main.js',
      'connectors/definitions.js',
      'connectors/sap-s4/sap-s4.connector.js',
      'libs/connector-sdk/src/definition.js',
      'libs/store/src/index.js',
    ]) {
      expect({ entry, built: existsSync(join(DIST, entry)) }).toEqual({ entry, built: true });
    }
  });

  it('contains no test code and imports none', () => {
    const scan = scanBuild(DIST);
    // A clean scan of an empty or half-built directory would prove nothing.
    expect(scan.files.filter((f) => f.endsWith('.js')).length).toBeGreaterThan(100);
    expect(scan.offences).toEqual([]);
  });
});

describe('the image (docker/Dockerfile, whose context is the repository root)', () => {
  const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');

  it('gets no test code in its build context: .dockerignore leaves out every testing/ file and spec', () => {
    const tests = testSources(ROOT, ['apps', 'libs', 'connectors']);
    expect(tests).toEqual(
      expect.arrayContaining([
        'connectors/sap-s4/testing/simulator.ts',
        'libs/connector-sdk/testing/contract-kit.ts',
        'libs/store/testing/store.contract.ts',
      ]),
    );
    expect(tests.filter((file) => !dockerIgnores(dockerignore, file))).toEqual([]);
  });

  it('still gets the production sources it builds', () => {
    for (const file of [
      'apps/hub/src/main.ts',
      'connectors/definitions.ts',
      'connectors/sap-s4/index.ts',
      'libs/connector-sdk/src/definition.ts',
    ]) {
      expect({ file, ignored: dockerIgnores(dockerignore, file) }).toEqual({
        file,
        ignored: false,
      });
    }
  });
});
