/** Every default of the mapping engine, in one place. */

/** A mapping file: `mappings/<system>/<object>.mapping.yaml`. */
export const MAPPING_FILE_SUFFIX = '.mapping.yaml';
/** Golden cases beside a mapping: `mappings/<system>/<object>.cases.yaml`. */
export const CASES_FILE_SUFFIX = '.cases.yaml';

/** Length of the mapping version: the first hex digits of the file's sha256. */
export const VERSION_HASH_LENGTH = 12;

/** Resource limits applied to every evaluation (see MappingLimits for what each one bounds). */
export const DEFAULT_LIMITS = {
  expressionTimeoutMs: 50,
  mappingTimeoutMs: 250,
  eachTimeoutMs: 10_000,
  maxEachItems: 10_000,
  maxEvaluationDepth: 500,
  maxSequenceLength: 100_000,
  maxPayloadDepth: 64,
  // Twice the default ingress body limit: `$string($)` of any accepted payload fits.
  maxStringLength: 2_000_000,
} as const;

/**
 * Attempts (the first included) after which a mapping time-out is dead-lettered: one retry, since
 * a loaded machine may have caused it, and no more, since the same payload will most likely time
 * out again on every further attempt.
 */
export const MAPPING_TIMEOUT_MAX_ATTEMPTS = 2;

/** Variable bound in every expression to the whole payload (useful inside `each`). */
export const ROOT_VARIABLE = 'root';
/** Variable bound in field expressions to the position of the current `each` item (0 without `each`). */
export const INDEX_VARIABLE = 'index';

/** Object keys that must never be written: they would reach an object's prototype. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/** Aliases a YAML file may expand; bounds the "billion laughs" blow-up of anchors. */
export const MAX_YAML_ALIAS_COUNT = 100;

/** The functions JSONata 2.x itself provides, so a call to anything else can be refused at load. */
// prettier-ignore
export const JSONATA_BUILTIN_FUNCTIONS: ReadonlySet<string> = new Set([
  'sum', 'count', 'max', 'min', 'average', 'string', 'substring', 'substringBefore',
  'substringAfter', 'lowercase', 'uppercase', 'length', 'trim', 'pad', 'match', 'contains',
  'replace', 'split', 'join', 'formatNumber', 'formatBase', 'formatInteger', 'parseInteger',
  'number', 'floor', 'ceil', 'round', 'abs', 'sqrt', 'power', 'random', 'boolean', 'not', 'map',
  'zip', 'filter', 'single', 'reduce', 'sift', 'keys', 'lookup', 'append', 'exists', 'spread',
  'merge', 'reverse', 'each', 'error', 'assert', 'type', 'sort', 'shuffle', 'distinct',
  'base64encode', 'base64decode', 'encodeUrlComponent', 'encodeUrl', 'decodeUrlComponent',
  'decodeUrl', 'eval', 'toMillis', 'fromMillis', 'clone', 'now', 'millis',
]);

/** Where to read about JSONata when an expression is wrong. */
export const JSONATA_DOCS_URL = 'https://docs.jsonata.org';

/** Lookup tables live in `<mappings dir>/lookups/*.csv`. */
export const LOOKUPS_SUBDIR = 'lookups';
export const LOOKUP_FILE_SUFFIX = '.csv';
/** A lookup table's name is its file name: lower case, digits and dashes. */
export const LOOKUP_TABLE_NAME = /^[a-z0-9][a-z0-9-]*$/;
/** The FX table read by `$toBase`, and its columns (one rate per currency, to one reporting currency). */
export const FX_RATES_TABLE = 'fx-rates';
export const FX_RATES_COLUMNS = ['currency', 'reporting_currency', 'rate', 'as_of'] as const;

/** Quiet time after the last file event before a hot reload starts (editors write in bursts). */
export const DEFAULT_RELOAD_DEBOUNCE_MS = 300;

/** The function the combined fast-path expression calls with every field's value, in order. */
export const COLLECT_FUNCTION = '__exhubFields';
/** Extra evaluation depth the combined expression's wrapper call needs. */
export const COMBINED_DEPTH_MARGIN = 4;

/**
 * What a `emits: lifecycle` mapping must set: the exception type and what became of it, and which
 * exception(s) it is about: the natural key the opening mapping used (`source.objectType` and
 * `source.objectId`: the hub derives the id), or business references (`references.<kind>`: every
 * open exception of that type and system carrying one of them, e.g. a re-sent payment's end-to-end
 * id). The statuses a source may report.
 */
export const LIFECYCLE_REQUIRED_FIELDS = ['type', 'lifecycle.status', 'lifecycle.reason'] as const;
export const LIFECYCLE_KEY_FIELDS = ['source.objectType', 'source.objectId'] as const;
/** Every field a lifecycle mapping may set (besides `references.<kind>`). */
export const LIFECYCLE_FIELDS: ReadonlySet<string> = new Set([
  ...LIFECYCLE_REQUIRED_FIELDS,
  ...LIFECYCLE_KEY_FIELDS,
  'source.url',
  'source.eventId',
  'occurredAt',
]);
export const LIFECYCLE_STATUSES = ['resolved', 'open'] as const;
