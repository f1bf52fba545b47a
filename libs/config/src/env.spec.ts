import { EnvError, loadEnvSettings } from './env';

describe('loadEnvSettings', () => {
  it('has the documented defaults', () => {
    const s = loadEnvSettings({});
    expect(s).toMatchObject({
      amqpUrl: 'amqp://guest:guest@localhost:5672',
      port: 3000,
      topologyPrefix: 'exhub',
    });
    expect([...s.roles]).toEqual(['ingress', 'pipeline']);
    expect(s.retryDelaysMs).toBeUndefined();
  });

  it('reads retry tiers, attempts and the retry age', () => {
    const s = loadEnvSettings({
      EXHUB_RETRY_DELAYS: '200ms,1s,2m',
      EXHUB_MAX_ATTEMPTS: '3',
      EXHUB_MAX_RETRY_AGE: '1h',
    });
    expect(s.retryDelaysMs).toEqual([200, 1000, 120_000]);
    expect(s.maxAttempts).toBe(3);
    expect(s.maxRetryAgeMs).toBe(3_600_000);
  });

  it('reads the worker batch size: all it holds (prefetch × channels, 64) by default, 1 turns batching off, 0 is refused', () => {
    expect(loadEnvSettings({}).workerBatchMax).toBe(64);
    expect(
      loadEnvSettings({ EXHUB_WORKER_PREFETCH: '16', EXHUB_WORKER_CHANNELS: '3' }).workerBatchMax,
    ).toBe(48);
    expect(loadEnvSettings({ EXHUB_WORKER_BATCH_MAX: '1' }).workerBatchMax).toBe(1);
    expect(loadEnvSettings({ EXHUB_WORKER_BATCH_MAX: '8' }).workerBatchMax).toBe(8);
    expect(() => loadEnvSettings({ EXHUB_WORKER_BATCH_MAX: '0' })).toThrow(
      /EXHUB_WORKER_BATCH_MAX="0" must be at least 1/,
    );
    expect(() => loadEnvSettings({ EXHUB_WORKER_BATCH_MAX: 'lots' })).toThrow(
      'EXHUB_WORKER_BATCH_MAX="lots" must be a whole number',
    );
  });

  it('reads the worker prefetch: 32 by default, 0 and words are refused', () => {
    expect(loadEnvSettings({}).workerPrefetch).toBe(32);
    expect(loadEnvSettings({ EXHUB_WORKER_PREFETCH: '128' }).workerPrefetch).toBe(128);
    expect(() => loadEnvSettings({ EXHUB_WORKER_PREFETCH: '0' })).toThrow(
      /EXHUB_WORKER_PREFETCH="0" must be at least 1/,
    );
    expect(() => loadEnvSettings({ EXHUB_WORKER_PREFETCH: 'lots' })).toThrow(
      'EXHUB_WORKER_PREFETCH="lots" must be a whole number',
    );
  });

  it('reads the worker channels: 2 by default, 0 and words are refused', () => {
    expect(loadEnvSettings({}).workerChannels).toBe(2);
    expect(loadEnvSettings({ EXHUB_WORKER_CHANNELS: '1' }).workerChannels).toBe(1);
    expect(() => loadEnvSettings({ EXHUB_WORKER_CHANNELS: '0' })).toThrow(
      /EXHUB_WORKER_CHANNELS="0" must be at least 1/,
    );
    expect(() => loadEnvSettings({ EXHUB_WORKER_CHANNELS: 'two' })).toThrow(
      'EXHUB_WORKER_CHANNELS="two" must be a whole number',
    );
  });

  it('reads when the pipeline worker yields to webhooks: 8 in flight by default, 0 = never, waits of at most 250 ms', () => {
    expect(loadEnvSettings({}).ingressFirst).toBe(8);
    expect(loadEnvSettings({}).ingressFirstMaxWaitMs).toBe(250);
    expect(loadEnvSettings({}).ingressFirstLoop).toBe(0.5);
    expect(loadEnvSettings({ EXHUB_INGRESS_FIRST_LOOP: '0' }).ingressFirstLoop).toBe(0);
    expect(() => loadEnvSettings({ EXHUB_INGRESS_FIRST_LOOP: '50%' })).toThrow(
      /EXHUB_INGRESS_FIRST_LOOP="50%" must be a number from 0 to 1/,
    );
    expect(loadEnvSettings({ EXHUB_INGRESS_FIRST: '0' }).ingressFirst).toBe(0);
    expect(loadEnvSettings({ EXHUB_INGRESS_FIRST: ' 32 ' }).ingressFirst).toBe(32);
    expect(loadEnvSettings({ EXHUB_INGRESS_FIRST_MAX_WAIT: '1s' }).ingressFirstMaxWaitMs).toBe(
      1000,
    );
    expect(() => loadEnvSettings({ EXHUB_INGRESS_FIRST: 'yes' })).toThrow(
      /EXHUB_INGRESS_FIRST="yes" must be a whole number/,
    );
    expect(() => loadEnvSettings({ EXHUB_INGRESS_FIRST_MAX_WAIT: '250' })).toThrow(
      /EXHUB_INGRESS_FIRST_MAX_WAIT/,
    );
  });

  it('reads whether PostgreSQL statements are named: on by default, on or off, nothing else', () => {
    expect(loadEnvSettings({}).pgNamedStatements).toBe(true);
    expect(loadEnvSettings({ EXHUB_PG_NAMED_STATEMENTS: ' OFF ' }).pgNamedStatements).toBe(false);
    expect(loadEnvSettings({ EXHUB_PG_NAMED_STATEMENTS: 'on' }).pgNamedStatements).toBe(true);
    expect(() => loadEnvSettings({ EXHUB_PG_NAMED_STATEMENTS: 'no' })).toThrow(
      /EXHUB_PG_NAMED_STATEMENTS="no": use "on" .* or "off"/,
    );
  });

  it('reads where the pipeline worker runs: a thread of its own by default, on or off, nothing else', () => {
    expect(loadEnvSettings({}).workerThread).toBe('on');
    expect(loadEnvSettings({}).pipelineThreadNice).toBe(0);
    expect(loadEnvSettings({ EXHUB_PIPELINE_THREAD_NICE: '10' }).pipelineThreadNice).toBe(10);
    expect(loadEnvSettings({ EXHUB_PIPELINE_THREAD_NICE: ' 19 ' }).pipelineThreadNice).toBe(19);
    expect(() => loadEnvSettings({ EXHUB_PIPELINE_THREAD_NICE: '20' })).toThrow(
      /EXHUB_PIPELINE_THREAD_NICE="20" must be 0–19/,
    );
    expect(() => loadEnvSettings({ EXHUB_PIPELINE_THREAD_NICE: '-5' })).toThrow(
      /EXHUB_PIPELINE_THREAD_NICE="-5" must be a whole number/,
    );
    expect(loadEnvSettings({ EXHUB_WORKER_THREAD: 'off' }).workerThread).toBe('off');
    expect(loadEnvSettings({ EXHUB_WORKER_THREAD: ' ON ' }).workerThread).toBe('on');
    expect(() => loadEnvSettings({ EXHUB_WORKER_THREAD: 'yes' })).toThrow(
      /EXHUB_WORKER_THREAD="yes": use "on" .* or "off"/,
    );
  });

  it('reads who checkpoints the SQLite WAL: a thread by default, or the commits; a typo is refused', () => {
    expect(loadEnvSettings({}).sqliteCheckpoint).toBe('background');
    expect(loadEnvSettings({ EXHUB_SQLITE_CHECKPOINT: 'commit' }).sqliteCheckpoint).toBe('commit');
    expect(loadEnvSettings({ EXHUB_SQLITE_CHECKPOINT: ' Background ' }).sqliteCheckpoint).toBe(
      'background',
    );
    expect(() => loadEnvSettings({ EXHUB_SQLITE_CHECKPOINT: 'never' })).toThrow(
      'EXHUB_SQLITE_CHECKPOINT="never" is not a checkpoint mode; use one of background, commit',
    );
  });

  it('reads the mapping limits the operator sets, and only those', () => {
    expect(loadEnvSettings({}).mappingLimits).toEqual({});
    expect(
      loadEnvSettings({
        EXHUB_MAPPING_TIMEOUT_MS: '500',
        EXHUB_MAPPING_EACH_TIMEOUT_MS: '30000',
        EXHUB_MAPPING_MAX_EACH_ITEMS: '50000',
      }).mappingLimits,
    ).toEqual({ mappingTimeoutMs: 500, eachTimeoutMs: 30_000, maxEachItems: 50_000 });
    expect(() => loadEnvSettings({ EXHUB_MAPPING_MAX_EACH_ITEMS: '0' })).toThrow(
      new EnvError('EXHUB_MAPPING_MAX_EACH_ITEMS="0" must be a whole number above 0'),
    );
    expect(() => loadEnvSettings({ EXHUB_MAPPING_TIMEOUT_MS: '1.5' })).toThrow(
      new EnvError('EXHUB_MAPPING_TIMEOUT_MS="1.5" must be a whole number'),
    );
  });

  it('names the variable and the expected form when a value is wrong', () => {
    expect(() => loadEnvSettings({ EXHUB_RETRY_DELAYS: '5s,soon' })).toThrow(
      new EnvError(
        'EXHUB_RETRY_DELAYS: "soon" is not a duration; use a whole number with ms, s, m or h, e.g. 5s',
      ),
    );
    expect(() => loadEnvSettings({ EXHUB_RETRY_DELAYS: '30s,5s' })).toThrow(/tiers must grow/);
    expect(() => loadEnvSettings({ EXHUB_ROLES: 'ingress,cook' })).toThrow(/unknown role "cook"/);
    expect(() => loadEnvSettings({ LOG_LEVEL: 'verbose' })).toThrow(
      new EnvError(
        'LOG_LEVEL="verbose" is not a log level; use one of fatal, error, warn, info, debug, trace, silent (default info)',
      ),
    );
    expect(loadEnvSettings({ LOG_LEVEL: 'DEBUG' }).logLevel).toBe('debug');
    expect(loadEnvSettings({}).logLevel).toBe('info');
    expect(() => loadEnvSettings({ PORT: 'eighty' })).toThrow(
      'PORT="eighty" must be a whole number',
    );
  });
});
