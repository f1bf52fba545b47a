import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Package boundaries (see README, "Code layout"): code outside a library imports it only through
// its alias `@exhub/<lib>` (its src/index.ts); a connector is reached through `@exhub/connectors`
// (the list) or `@exhub/connectors/<system>` (its index.ts). Test-only modules (simulators,
// contract kits, store contract suites, sample data) are imported by path, from tests only.
const TEST_ONLY =
  '(?!(.*/)?(contract-kit|simulator-server|simulator|store\\.contract|sample-exception|testing)(\\.js)?(/|$))';
const BOUNDARIES = [
  {
    regex: `^(\\.\\./)+libs/${TEST_ONLY}`,
    message: 'Import a library through its alias, `@exhub/<lib>` (its index.ts), never its files.',
  },
  {
    regex: `^(\\.\\./)+connectors/[^/]+/${TEST_ONLY}`,
    message:
      'Import a connector through `@exhub/connectors/<system>` (its index.ts) or the list `@exhub/connectors`.',
  },
];

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', '.tools/', 'coverage/', '**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
      'no-restricted-imports': ['error', { patterns: BOUNDARIES }],
    },
  },
  {
    // Inside a library, `../../<other>/src` climbs out of it into another one.
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...BOUNDARIES,
            {
              regex: `^(\\.\\./){2,}[a-z-]+/src(/|$)${TEST_ONLY}`,
              message: 'A library imports another one only by its alias, `@exhub/<lib>`.',
            },
          ],
        },
      ],
    },
  },
);
