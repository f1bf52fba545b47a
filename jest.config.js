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
const common = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swc },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Dynamic import() in CommonJS output needs explicit .js extensions; map them back to sources.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
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
