// Import graph checks run by `npm run lint` (CI): no import cycles anywhere in the hub's code,
// type-only imports included (tsPreCompilationDeps), so a type shared both ways fails too.
// Package boundaries (imports through `@exhub/<lib>` only) are ESLint's no-restricted-imports.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import cycle: two modules (or two packages, through their index.ts) need each other. ' +
        'Move what both need into the lower one (often @exhub/core) or split the module.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|apps/console)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
