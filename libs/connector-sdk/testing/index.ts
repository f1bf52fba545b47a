// Test-only surface of the connector SDK: the contract kits every connector's spec runs and the
// base of the simulators. They import @jest/globals, so they live here, outside src/: the
// production build (tsconfig.build.json) and the image leave testing/ out.
export * from './contract-kit';
export * from './simulator-server';
