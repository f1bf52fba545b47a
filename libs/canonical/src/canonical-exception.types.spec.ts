import { readFileSync } from 'node:fs';
import { OUTPUT_PATH, renderCanonicalTypes } from '../../../scripts/gen-canonical-types';

const GENERATION_TIMEOUT_MS = 30_000;

describe('canonical-exception.types.ts', () => {
  it(
    'is exactly what the schema generates (run node scripts/gen-canonical-types.js if not)',
    async () => {
      expect(readFileSync(OUTPUT_PATH, 'utf8')).toBe(await renderCanonicalTypes());
    },
    GENERATION_TIMEOUT_MS,
  );
});
