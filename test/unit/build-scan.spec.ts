import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { dockerIgnores, scanBuild } from '../support/build-scan';

/**
 * The scan of the build (test/support/build-scan.ts) on temp dirs: it must find the files the old
 * layout put in dist/ (simulators beside the connectors, the contract kit and the store contract
 * in src/, an index re-exporting its simulator), as tsc emits them, and pass a clean build.
 */
describe('scanBuild', () => {
  let dir: string;
  const put = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-build-scan-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes a build of production files only, and lists what it looked at', () => {
    put('apps/hub/src/main.js', '"use strict";\nconst core_1 = require("@nestjs/core");\n');
    put(
      'connectors/sap-s4/index.js',
      'var sap_s4_connector_1 = require("./sap-s4.connector");\nexports.x = 1;\n',
    );
    put('connectors/sap-s4/sap-s4.connector.js', 'const x = "describe(it)";\n');
    put('connectors/sap-s4/sap-s4.connector.js.map', '{"sources":["sap-s4.connector.ts"]}');
    // A word in a string is not an import: "testing" alone, or a non-relative package name.
    put('libs/mapping/src/helpers.js', 'const note = "testing/ folders are left out";\n');
    // The scaffolder's templates: a new connector's imports, as text in a CommonJS file.
    put(
      'apps/cli/src/commands/connectors-rest.template.js',
      "\"use strict\";\nconst t = `import { runConnectorContract } from '../../libs/connector-sdk/testing';\nimport { S } from './testing';`;\n",
    );
    // Production modules whose names merely contain the words.
    put('libs/store/src/contracts.js', 'const a = require("./simulated-clock");\n');
    const scan = scanBuild(dir);
    expect(scan.offences).toEqual([]);
    expect(scan.files).toEqual([
      'apps/cli/src/commands/connectors-rest.template.js',
      'apps/hub/src/main.js',
      'connectors/sap-s4/index.js',
      'connectors/sap-s4/sap-s4.connector.js',
      'connectors/sap-s4/sap-s4.connector.js.map',
      'libs/mapping/src/helpers.js',
      'libs/store/src/contracts.js',
    ]);
  });

  it('finds every piece of the old layout, each with its reason', () => {
    // What `nest build` emitted before test code moved to testing/ folders.
    put(
      'connectors/sap-s4/simulator.js',
      'const simulator_server_1 = require("../../libs/connector-sdk/src/simulator-server");\n',
    );
    put('connectors/sap-s4/simulator.js.map', '{}');
    put('libs/connector-sdk/src/simulator-server.js', 'class SimulatorServer {}\n');
    put(
      'connectors/sap-s4/index.js',
      'var sap_s4_connector_1 = require("./sap-s4.connector");\nvar simulator_1 = require("./simulator");\n',
    );
    put(
      'libs/connector-sdk/src/contract-kit.js',
      '"use strict";\nconst globals_1 = require("@jest/globals");\n',
    );
    put(
      'libs/store/src/store.contract.js',
      'const globals_1 = require("@jest/globals");\nconst x = require("./open-exceptions.contract");\n',
    );
    const offences = scanBuild(dir).offences;
    expect(offences).toEqual(
      expect.arrayContaining([
        { file: 'connectors/sap-s4/simulator.js', reason: 'is a simulator' },
        { file: 'connectors/sap-s4/simulator.js.map', reason: 'is a simulator' },
        { file: 'libs/connector-sdk/src/simulator-server.js', reason: 'is a simulator' },
        { file: 'libs/connector-sdk/src/contract-kit.js', reason: 'is a connector contract kit' },
        {
          file: 'libs/connector-sdk/src/contract-kit.js',
          reason: "imports the test runner's @jest/globals",
        },
        { file: 'libs/store/src/store.contract.js', reason: 'is a contract suite' },
        {
          file: 'libs/store/src/store.contract.js',
          reason: "imports the test runner's @jest/globals",
        },
        {
          file: 'libs/store/src/store.contract.js',
          reason: 'imports test code (./open-exceptions.contract)',
        },
        { file: 'connectors/sap-s4/index.js', reason: 'imports test code (./simulator)' },
        {
          file: 'connectors/sap-s4/simulator.js',
          reason: 'imports test code (../../libs/connector-sdk/src/simulator-server)',
        },
      ]),
    );
    expect(offences).toHaveLength(10);
  });

  it('finds a @jest/globals import in a file with an innocent name, in either module syntax', () => {
    put(
      'libs/store/src/helpers.js',
      '"use strict";\nconst globals_1 = require("@jest/globals");\n',
    );
    put('libs/store/src/esm.mjs', "import { describe } from '@jest/globals';\n");
    put('libs/store/src/types.d.ts', "import type { expect } from '@jest/globals';\n");
    put('libs/store/src/lazy.js', 'const g = await import("@jest/globals");\n');
    expect(scanBuild(dir).offences).toEqual([
      { file: 'libs/store/src/esm.mjs', reason: "imports the test runner's @jest/globals" },
      { file: 'libs/store/src/helpers.js', reason: "imports the test runner's @jest/globals" },
      { file: 'libs/store/src/lazy.js', reason: "imports the test runner's @jest/globals" },
      { file: 'libs/store/src/types.d.ts', reason: "imports the test runner's @jest/globals" },
    ]);
  });

  it('finds a production file that imports a testing/ path, eagerly or lazily', () => {
    put('connectors/sap-s4/index.js', 'var testing_1 = require("./testing");\n');
    put(
      'connectors/sap-s4/definition.js',
      "const load = () => Promise.resolve().then(() => require('./testing/simulator.js'));\n",
    );
    put(
      'apps/cli/src/demo.js',
      'const m = await import("../../../connectors/netsuite/testing");\n',
    );
    expect(scanBuild(dir).offences).toEqual([
      {
        file: 'apps/cli/src/demo.js',
        reason: 'imports a testing/ path (../../../connectors/netsuite/testing)',
      },
      {
        file: 'connectors/sap-s4/definition.js',
        reason: 'imports a testing/ path (./testing/simulator.js)',
      },
      { file: 'connectors/sap-s4/index.js', reason: 'imports a testing/ path (./testing)' },
    ]);
  });

  it('finds anything in a testing/ folder and compiled specs', () => {
    put('libs/store/testing/index.js', 'exports.x = 1;\n');
    put('libs/store/src/sqlite.store.spec.js', 'exports.x = 1;\n');
    expect(scanBuild(dir).offences).toEqual([
      { file: 'libs/store/src/sqlite.store.spec.js', reason: 'is a test file' },
      { file: 'libs/store/testing/index.js', reason: 'in a testing/ folder' },
    ]);
  });
});

describe('dockerIgnores', () => {
  const ignore = [
    '# comment',
    'node_modules',
    'test',
    '**/testing',
    '**/*.spec.ts',
    'docs/*.png',
  ].join('\n');

  it('leaves out a testing/ folder at any depth, specs, and what a top-level name names', () => {
    for (const file of [
      'connectors/sap-s4/testing/simulator.ts',
      'libs/connector-sdk/testing/contract-kit.ts',
      'libs/store/testing/index.ts',
      'apps/hub/src/pipeline/run.spec.ts',
      'test/e2e/build/no-test-code.e2e-spec.ts',
      'node_modules/x/index.js',
      'docs/screen.png',
    ]) {
      expect({ file, ignored: dockerIgnores(ignore, file) }).toEqual({ file, ignored: true });
    }
  });

  it('keeps production files, and what a later !pattern brings back', () => {
    for (const file of [
      'connectors/sap-s4/sap-s4.connector.ts',
      'connectors/sap-s4/index.ts',
      'libs/store/src/store.ts',
      'apps/hub/src/testing-mode.ts',
      'docs/sub/screen.png',
    ]) {
      expect({ file, ignored: dockerIgnores(ignore, file) }).toEqual({ file, ignored: false });
    }
    expect(dockerIgnores(`${ignore}\n!libs/store/testing`, 'libs/store/testing/index.ts')).toBe(
      false,
    );
    // Without the testing rule (the old .dockerignore), the simulators were in the context.
    expect(dockerIgnores('test\n**/*.spec.ts', 'connectors/sap-s4/testing/simulator.ts')).toBe(
      false,
    );
  });
});
