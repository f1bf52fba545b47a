// The pipeline of named stages and the one runner that runs them, shared by the hub's worker, its
// dry-run endpoints and the replay/DLQ recheck, and by the CLI (`exhub mappings try`, the replay
// and dead-letter previews): a preview gives what the pipeline gives because it is the pipeline.
export * from './runner';
export type { AfterPublish } from './stages/after-publish';
export type { AssembledException } from './stages/assemble';
export type { ContextSource, ExceptionContext } from './stages/enrich';
export type { Grouper } from './stages/group';
export {
  applyLifecycleSignals,
  lifecycleSignalOf,
  MAX_ENDED_BY_REFERENCE,
  sourceActor,
  type LifecycleDeps,
  type LifecycleSignal,
} from './stages/lifecycle';
export { parsePayload } from './stages/parse';
export { score } from './stages/score';
export type { Persister } from './stages/persist';
export type { Publisher } from './stages/publish';
export { allIssues, validate } from './stages/validate';
export * from './dry-run';
export * from './recheck';
export * from './payload-filter';
