// A module of its own: the SDK module is mocked to throw when loaded, so tracing off must never
// import it (and with it the OpenTelemetry SDK and exporter).
jest.mock('./tracing-sdk', () => {
  throw new Error('the OpenTelemetry SDK was loaded although tracing is off');
});

import { initTracing } from './tracing';

it('does not load the OpenTelemetry SDK when no OTLP endpoint is configured', async () => {
  const tracer = await initTracing({ OTEL_SERVICE_NAME: 'exhub' }, 'test');
  expect(tracer.enabled).toBe(false);
});

it('would load it when an endpoint is configured (so the mock above is the one in use)', async () => {
  await expect(
    initTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, 'test'),
  ).rejects.toThrow(/SDK was loaded/);
});
