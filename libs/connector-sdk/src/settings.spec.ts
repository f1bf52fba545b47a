import { pollSettings, resilienceSettings } from './settings';

describe('reading a polled connector instance’s settings', () => {
  it('takes the shared options by their names in every config schema', () => {
    const metrics = { onStateChange: () => undefined } as never;
    const o = pollSettings(
      'erp-1',
      {
        allowedHosts: ['erp.example.com'],
        pageSize: 50,
        startFrom: '2026-11-01',
        timeoutMs: 4000,
        maxResponseBytes: 1024,
        retries: 2,
        retryBaseDelayMs: 100,
        breakerResetSeconds: 30,
        breakerVolumeThreshold: 5,
        endpoint: 'ignored here: the connector reads its own',
      },
      metrics,
    );
    expect(o).toEqual({
      id: 'erp-1',
      allowedHosts: ['erp.example.com'],
      pageSize: 50,
      startFrom: '2026-11-01',
      timeoutMs: 4000,
      maxResponseBytes: 1024,
      retry: { retries: 2, baseDelayMs: 100 },
      breaker: { resetTimeoutMs: 30_000, volumeThreshold: 5 },
      metrics,
    });
  });

  it('leaves an absent option undefined, so the connector keeps its default', () => {
    const o = pollSettings('erp-1', {});
    expect(o).toEqual({
      id: 'erp-1',
      allowedHosts: undefined,
      pageSize: undefined,
      startFrom: undefined,
      timeoutMs: undefined,
      maxResponseBytes: undefined,
      retry: {},
      breaker: {},
      metrics: undefined,
    });
    expect(resilienceSettings({ pageSize: 'ten' }).timeoutMs).toBeUndefined();
  });
});
