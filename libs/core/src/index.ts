// The hub's shared vocabulary, importable from every package: the error classes every stage
// speaks, the metadata of a source event, and time units. Nothing here depends on another package.
export * from './errors';
export * from './source-event';
export * from './time';
