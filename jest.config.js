// Two projects: `unit` (fast, no services) and `e2e` (real RabbitMQ on AMQP_URL, run in band).
// TypeScript is compiled by SWC with legacy decorators and decorator metadata, as NestJS needs;
// type checking is `npm run typecheck`. NestJS 12 ships ES modules: Jest loads them through
// require(esm), which needs Node 24 and --experimental-vm-modules (set in the npm scripts).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
/** tsconfig.json "paths" as Jest moduleNameMapper entries (`@exhub/x` → its index.ts). */
function aliases() {
  const { paths } = require('./tsconfig.json').compilerOptions;
  const out = {};
  for (const [alias, [target]] of Object.entries(paths)) {
    const from = alias.replace(/[.]/g, '\\.').replace('*', '([^/]+)');
    out[`^${from}$`] = `<rootDir>/${target.replace(/^\.\//, '').replace('*', '$1')}`;
  }
  return out;
}
const common = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swc },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    // Dynamic import() in CommonJS output needs explicit .js extensions; map them back to sources.
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The @exhub/* aliases, from tsconfig.json's "paths" (one source of truth).
    ...aliases(),
  },
};
module.exports = {
  // testTimeout is a global option: set per project it is ignored.
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,connectors,test/unit}/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
    },
  ],
};
