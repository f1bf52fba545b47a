// Test-only surface of the connector: its simulator and fixture helpers. Tests, the e2e suite, the
// bench and the demo import from here; the production build and the image exclude testing/.
export * from './simulator';
