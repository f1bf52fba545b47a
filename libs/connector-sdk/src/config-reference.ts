import type { ConfigSchema } from './connector';

export const CONFIG_REFERENCE_BEGIN =
  '<!-- config-reference:begin (generated from the config schema; do not edit) -->';
export const CONFIG_REFERENCE_END = '<!-- config-reference:end -->';

const cell = (s: string): string =>
  s
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
const code = (v: unknown): string => `\`${JSON.stringify(v)}\``;

/**
 * The markdown reference of a connector's settings, generated from its config schema: one row per
 * field with type, required/default, secret flag, example and description, between markers, so a
 * README embeds it verbatim and a test checks it is current (the docs are never written twice).
 */
export function generateConfigReference(schema: ConfigSchema): string {
  const required = new Set(schema.required ?? []);
  const rows = Object.entries(schema.properties).map(([name, f]) => {
    const type = Array.isArray(f.type) ? f.type.join(' \\| ') : (f.type ?? 'any');
    const dflt = required.has(name) ? 'required' : f.default === undefined ? '—' : code(f.default);
    const example = f.examples?.length ? code(f.examples[0]) : '—';
    return `| \`${name}\` | ${type} | ${dflt} | ${f['x-secret'] ? 'yes' : ''} | ${cell(example)} | ${cell(f.description)} |`;
  });
  return [
    CONFIG_REFERENCE_BEGIN,
    // Prettier would re-align the table and make it differ from what the schema generates.
    '<!-- prettier-ignore-start -->',
    '| setting | type | default | secret | example | description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '<!-- prettier-ignore-end -->',
    CONFIG_REFERENCE_END,
  ].join('\n');
}

/** The generated block as it stands in a README, or undefined when the markers are missing. */
export function extractConfigReference(readme: string): string | undefined {
  const start = readme.indexOf(CONFIG_REFERENCE_BEGIN);
  const end = readme.indexOf(CONFIG_REFERENCE_END);
  if (start < 0 || end < start) return undefined;
  return readme.slice(start, end + CONFIG_REFERENCE_END.length);
}

/** Replaces (or appends) the generated block in a README's text. */
export function updateConfigReference(readme: string, schema: ConfigSchema): string {
  const block = generateConfigReference(schema);
  const current = extractConfigReference(readme);
  return current === undefined
    ? `${readme.trimEnd()}\n\n${block}\n`
    : readme.replace(current, block);
}
