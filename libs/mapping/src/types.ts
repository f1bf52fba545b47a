import type jsonata from 'jsonata';
import type { FastExpression } from './fast-path';
import type { LookupTables } from './lookups';
import type { HelperFunction, MappingLimits, MappingProblem, SourcePosition } from './basics';

export type { HelperFunction, MappingLimits, MappingProblem, SourcePosition };

/** How to compile mappings; every member is optional. */
export interface CompileOptions {
  limits?: Partial<MappingLimits>;
  /** Extra helpers, registered after the built-in ones and the lookup helpers. */
  functions?: readonly HelperFunction[];
  /**
   * Lookup tables for `$lookup` and `$toBase`. MappingRegistry.loadDir loads them from
   * `<dir>/lookups` when this is not given; without tables every `$lookup` call is refused.
   */
  lookups?: LookupTables;
  /**
   * Compile the shapes the fast path covers to plain JavaScript (default true). Off, every
   * expression runs in JSONata: the differential test compares both.
   */
  fastPath?: boolean;
}

/** One JSONata expression, compiled once at load. */
export interface CompiledExpression {
  /** Where it is used, e.g. `match`, `each`, `fields.amount`. */
  location: string;
  /** The expression text as written. */
  text: string;
  /** Where the expression starts in the mapping file. */
  position: SourcePosition;
  readonly jsonata: jsonata.Expression;
  /**
   * The same expression as plain JavaScript (fast-path.ts), when it only uses shapes the fast
   * path covers; evaluation falls back to `jsonata` whenever it cannot answer to the letter.
   */
  readonly fast?: FastExpression;
}

/** One `fields` entry: a canonical field path and how to compute it. */
export interface CompiledField {
  /** Canonical field path as written, e.g. `signals.reasonCode`. */
  path: string;
  segments: readonly string[];
  description: string;
  /** Exactly one of `expression` and `constant` is set. */
  expression?: CompiledExpression;
  constant?: unknown;
  position: SourcePosition;
}

/** A mapping file, validated and compiled, ready to evaluate. */
export interface CompiledMapping {
  id: string;
  description: string;
  /** The file as it was given to the loader (relative to the working directory when inside it). */
  file: string;
  /** Content hash: the first 12 hex digits of the sha256 of the file bytes. */
  version: string;
  /** Where the mapping's `id` is written. */
  position: SourcePosition;
  source: { system: string; objectType: string };
  /**
   * `exception` (the default): the fields of an exception to open or update. `lifecycle`: the
   * source ended or re-opened the exception it opened for the same natural key (see LIFECYCLE_FIELDS).
   */
  emits: MappingEmits;
  match?: CompiledExpression;
  each?: CompiledExpression;
  fields: readonly CompiledField[];
  limits: MappingLimits;
  /**
   * The field expressions without a compiled fast path, in one JSONata evaluation (JSONata's
   * per-call cost dominates small expressions). On any failure evaluation falls back to one
   * expression per field, which names the field at fault. Absent when it cannot be built.
   */
  combined?: { jsonata: jsonata.Expression; fields: readonly CompiledField[] };
}

/** What a mapping produces (`emits` in the mapping file). */
export type MappingEmits = 'exception' | 'lifecycle';

/** The result of applying one mapping to one payload (or one `each` item). */
export interface MappedException {
  mapping: { id: string; version: string };
  /**
   * Set only by `emits: lifecycle` mappings: `fields` then hold the natural key (`type`,
   * `source.objectType`, `source.objectId`) and `lifecycle: { status, reason }`, not an exception.
   */
  emits?: 'lifecycle';
  /** A nested partial canonical exception, e.g. `{ type, amount: { value, currency }, signals }`. */
  fields: Record<string, unknown>;
}

/** One line of `MappingRegistry.list()`. */
export interface MappingSummary {
  id: string;
  file: string;
  version: string;
  system: string;
  objectType: string;
}
