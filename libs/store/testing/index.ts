// Test-only surface of the store: the contract suite both adapters must pass (it imports
// @jest/globals) and the sample exceptions it and the e2e tests store. The production build
// (tsconfig.build.json) and the image leave testing/ out.
export * from './store.contract';
