// Runs TypeScript sources directly for benchmarks (`node -r ./bench/swc-register.js x.ts`):
// compiled in memory by SWC with the same settings as the Jest transform, no build step needed.
const { transformSync } = require('@swc/core');
const fs = require('node:fs');
const path = require('node:path');

// The @exhub/* aliases from tsconfig.json's "paths", resolved by SWC into relative imports.
const root = path.join(__dirname, '..');
const { paths } = require('../tsconfig.json').compilerOptions;

require.extensions['.ts'] = function compileTs(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
      baseUrl: root,
      paths,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
