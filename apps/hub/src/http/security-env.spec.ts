import { loadEnvSettings } from '@exhub/config';

describe('ingress rate limit and CORS settings from the environment', () => {
  it('defaults to a limit above the ingest target and CORS off', () => {
    const s = loadEnvSettings({});
    expect(s.ingressRateLimit).toEqual({ max: 10_000, windowMs: 1000 });
    expect(s.corsOrigins).toEqual([]);
  });

  it('reads a limit, a window and a list of origins; 0 turns the limit off', () => {
    const s = loadEnvSettings({
      EXHUB_INGRESS_RATE_LIMIT: '0',
      EXHUB_INGRESS_RATE_WINDOW: '1m',
      EXHUB_CORS_ORIGINS: 'https://ops.example.com, http://localhost:5173',
    });
    expect(s.ingressRateLimit).toEqual({ max: 0, windowMs: 60_000 });
    expect(s.corsOrigins).toEqual(['https://ops.example.com', 'http://localhost:5173']);
  });

  it('refuses values it cannot use, naming the variable and the fix', () => {
    expect(() => loadEnvSettings({ EXHUB_CORS_ORIGINS: 'https://ops.example.com/app' })).toThrow(
      /EXHUB_CORS_ORIGINS: "https:\/\/ops.example.com\/app" is not an origin; use scheme:\/\/host\[:port\]/,
    );
    expect(() => loadEnvSettings({ EXHUB_CORS_ORIGINS: '*' })).toThrow(/is not an origin/);
    expect(() => loadEnvSettings({ EXHUB_INGRESS_RATE_LIMIT: 'lots' })).toThrow(
      /EXHUB_INGRESS_RATE_LIMIT="lots" must be a whole number/,
    );
    expect(() => loadEnvSettings({ EXHUB_INGRESS_RATE_WINDOW: '10' })).toThrow(
      /EXHUB_INGRESS_RATE_WINDOW: "10" is not a duration/,
    );
  });
});
