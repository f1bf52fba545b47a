/** Renders libs/canonical/src/canonical-exception.types.ts from the schema, in memory. */
export function renderCanonicalTypes(): Promise<string>;
/** Absolute path of the checked-in generated types. */
export const OUTPUT_PATH: string;
