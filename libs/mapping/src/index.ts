/** Public surface of libs/mapping: declarative JSONata mappings from source payloads to canonical exception fields. */
export { MappingRegistry } from './registry';
export {
  compileMapping,
  compileMappingSource,
  contentHash,
  loadMappingFile,
  resolveLimits,
  type CompileResult,
} from './compile';
export { evaluateMapping, evaluationCounts } from './evaluate';
export { compileExpression, type JsonataFailure } from './expression';
export {
  LookupTables,
  loadLookupTables,
  lookupsDirOf,
  parseLookupCsv,
  type LookupTable,
} from './lookups';
export { MappingReloader, type ReloaderOptions, type ReloadResult } from './reloader';
export { HELPERS, type Money } from './helpers';
export {
  formatProblem,
  HelperError,
  MappingError,
  MappingLoadError,
  type MappingErrorDetails,
} from './errors';
export {
  findCasesFiles,
  formatOutcome,
  loadCasesFile,
  runCase,
  runCases,
  untestedMappings,
  type CaseOutcome,
  type CasesFile,
  type GoldenCase,
} from './cases';
export { formatDifference, type Difference } from './diff';
export {
  CASES_FILE_SUFFIX,
  DEFAULT_LIMITS,
  FX_RATES_COLUMNS,
  FX_RATES_TABLE,
  LIFECYCLE_FIELDS,
  LIFECYCLE_KEY_FIELDS,
  LIFECYCLE_REQUIRED_FIELDS,
  LIFECYCLE_STATUSES,
  LOOKUP_FILE_SUFFIX,
  LOOKUPS_SUBDIR,
  MAPPING_FILE_SUFFIX,
} from './constants';
export type {
  CompiledExpression,
  CompiledField,
  CompiledMapping,
  CompileOptions,
  HelperFunction,
  MappedException,
  MappingEmits,
  MappingLimits,
  MappingProblem,
  MappingSummary,
  SourcePosition,
} from './types';
export { diffExceptions } from './diff';
export { prune } from './field-path';
export { epochToIso, money } from './helpers';
