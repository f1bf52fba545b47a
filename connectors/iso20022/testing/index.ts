// Test-only surface of the connector: the real-sample corpus's expectations, shared by the unit
// and end-to-end runs. The production build and the image leave testing/ out.
export * from './corpus';
