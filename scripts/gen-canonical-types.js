#!/usr/bin/env node
'use strict';
/**
 * Generates libs/canonical/src/canonical-exception.types.ts from
 * schemas/canonical-exception.v1.schema.json with json-schema-to-typescript.
 *
 *   node scripts/gen-canonical-types.js           write the file
 *   node scripts/gen-canonical-types.js --check   exit 1 if the checked-in file is stale
 *
 * libs/canonical/src/canonical-types.spec.ts runs the same renderer, so the types cannot drift.
 */
const fs = require('node:fs');
const path = require('node:path');
const { compile } = require('json-schema-to-typescript');

const ROOT = path.resolve(__dirname, '..');
const SCHEMA_PATH = path.join(ROOT, 'schemas/canonical-exception.v1.schema.json');
const OUTPUT_PATH = path.join(ROOT, 'libs/canonical/src/canonical-exception.types.ts');
const DEFS_PREFIX = '#/$defs/';

const BANNER = `/**
 * GENERATED from schemas/canonical-exception.v1.schema.json by scripts/gen-canonical-types.js.
 * Do not edit: change the schema and run \`node scripts/gen-canonical-types.js\`.
 */`;

/**
 * json-schema-to-typescript turns a \`$ref\` with sibling keywords (our per-property descriptions)
 * into a fresh copy of the target, emitted as \`Money1\`, \`Money2\`…. So before compiling:
 * a reference to a titled definition becomes that named type (\`tsType\`) keeping the use-site
 * description, and an untitled definition (a constrained scalar) is inlined into its use site.
 */
function prepare(schema) {
  const defs = schema.$defs;
  const rewrite = (node) => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    const out = {};
    for (const [key, value] of Object.entries(node)) out[key] = rewrite(value);
    if (typeof node.$ref !== 'string') return out;
    const { $ref, ...siblings } = out;
    const target = defs[$ref.slice(DEFS_PREFIX.length)];
    if (!$ref.startsWith(DEFS_PREFIX) || !target) throw new Error(`unresolvable $ref ${$ref}`);
    if (target.title) return { tsType: target.title, ...siblings };
    return { ...rewrite(target), ...siblings };
  };
  const named = Object.fromEntries(
    Object.entries(defs)
      .filter(([, def]) => def.title)
      .map(([name, def]) => [name, rewrite(def)]),
  );
  return { ...rewrite({ ...schema, $defs: undefined }), $defs: named };
}

async function renderCanonicalTypes() {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8'));
  const style = JSON.parse(fs.readFileSync(path.join(ROOT, '.prettierrc.json'), 'utf8'));
  return compile(prepare(schema), schema.title, {
    bannerComment: BANNER,
    style,
    maxItems: -1,
    unreachableDefinitions: true,
    additionalProperties: false,
  });
}

module.exports = { renderCanonicalTypes, OUTPUT_PATH };

if (require.main === module) {
  renderCanonicalTypes()
    .then((ts) => {
      const rel = path.relative(ROOT, OUTPUT_PATH);
      if (process.argv.includes('--check')) {
        const current = fs.existsSync(OUTPUT_PATH) ? fs.readFileSync(OUTPUT_PATH, 'utf8') : '';
        if (current !== ts) {
          console.error(`${rel} is stale: run node scripts/gen-canonical-types.js`);
          process.exit(1);
        }
        return;
      }
      fs.writeFileSync(OUTPUT_PATH, ts);
      console.log(`wrote ${rel}`);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
