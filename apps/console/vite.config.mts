import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The console is served by the hub at /console/ (apps/hub/src/console/serve-console.ts) from
// dist/console. No inline script or style ends up in index.html (the CSP forbids both).
// The filter choices come from the canonical schema at build time, so they cannot drift from it.
const schema = JSON.parse(
  readFileSync(
    new URL('../../schemas/canonical-exception.v1.schema.json', import.meta.url),
    'utf8',
  ),
) as { $defs: Record<string, { enum: string[] }> };
const enums = {
  domains: schema.$defs.domain.enum,
  types: schema.$defs.exceptionType.enum,
  tiers: schema.$defs.tier.enum,
  statuses: schema.$defs.status.enum,
};

export default defineConfig({
  define: { __EXHUB_ENUMS__: JSON.stringify(enums) },
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The polyfill would be an inline script; every browser the console supports has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    target: 'es2022',
  },
});
