import {
  buildTopology,
  declareTopology,
  delayLabel,
  names,
  retryQueueFor,
  TopologyMismatchError,
} from './topology';

describe('buildTopology', () => {
  it('derives every name from the prefix', () => {
    const t = buildTopology({ prefix: 't123' });
    const all = [
      ...t.exchanges.map((e) => e.name),
      ...t.queues.map((q) => q.name),
      ...t.bindings.flatMap((b) => [b.exchange, b.queue]),
    ];
    expect(all.every((name) => name.startsWith('t123.'))).toBe(true);
    expect(t.names).toMatchObject({
      prefix: 't123',
      ingress: 't123.ingress',
      archive: 't123.archive',
      work: 't123.work',
      dlx: 't123.dlx',
      dlq: 't123.dlq',
      exceptions: 't123.exceptions',
      review: 't123.review',
      outcomes: 't123.outcomes',
    });
  });

  it('defaults to the exhub contract names and the 5s/30s/5m tiers', () => {
    const t = buildTopology();
    expect(t.names.ingress).toBe('exhub.ingress');
    expect(t.retryTiers.map((r) => r.queue)).toEqual([
      'exhub.retry.5s',
      'exhub.retry.30s',
      'exhub.retry.5m',
    ]);
    expect(t.exchanges.map((e) => [e.name, e.type])).toEqual([
      ['exhub.ingress', 'fanout'],
      ['exhub.dlx', 'fanout'],
      ['exhub.exceptions', 'topic'],
      ['exhub.outcomes', 'topic'],
    ]);
  });

  it('puts the options into the queue arguments', () => {
    const t = buildTopology({
      prefix: 'p',
      workDeliveryLimit: 7,
      archiveMaxAge: '12h',
      archiveMaxBytes: 1234,
      retryDelaysMs: [200, 400],
    });
    const args = (name: string) => t.queues.find((q) => q.name === name)?.arguments;
    expect(args('p.archive')).toEqual({
      'x-queue-type': 'stream',
      'x-max-age': '12h',
      'x-max-length-bytes': 1234,
    });
    expect(args('p.work')).toEqual({
      'x-queue-type': 'quorum',
      'x-delivery-limit': 7,
      'x-dead-letter-exchange': 'p.dlx',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    });
    expect(args('p.retry.200ms')).toEqual({
      'x-queue-type': 'quorum',
      'x-message-ttl': 200,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'p.work',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    });
    expect(args('p.dlq')).toEqual({ 'x-queue-type': 'quorum' });
    // The ledger's copies are bounded: the DLQ itself is not.
    expect(args('p.dlq.ledger')).toEqual({
      'x-queue-type': 'quorum',
      'x-max-length': 100_000,
      'x-overflow': 'drop-head',
    });
    expect(args('p.review')).toEqual({ 'x-queue-type': 'quorum' });
    expect(args('p.outcomes')).toEqual({ 'x-queue-type': 'quorum' });
  });

  it('binds ingress to archive and work, dlx to dlq and the ledger, review by key, outcomes by #', () => {
    const t = buildTopology({ prefix: 'p' });
    expect(t.bindings).toEqual([
      { exchange: 'p.ingress', queue: 'p.archive', pattern: '' },
      { exchange: 'p.ingress', queue: 'p.work', pattern: '' },
      { exchange: 'p.dlx', queue: 'p.dlq', pattern: '' },
      { exchange: 'p.dlx', queue: 'p.dlq.ledger', pattern: '' },
      { exchange: 'p.exceptions', queue: 'p.review', pattern: 'review' },
      { exchange: 'p.outcomes', queue: 'p.outcomes', pattern: '#' },
    ]);
  });

  it('rejects invalid options with every problem named', () => {
    expect(() =>
      buildTopology({ prefix: 'bad prefix', retryDelaysMs: [300, 200], archiveMaxAge: '7 days' }),
    ).toThrow(
      /prefix "bad prefix".*retryDelaysMs\[1\] = 200 must be greater than 300.*archiveMaxAge "7 days"/,
    );
    expect(() => buildTopology({ retryDelaysMs: [] })).toThrow(/at least one delay/);
    expect(() => buildTopology({ workDeliveryLimit: 0 })).toThrow(/workDeliveryLimit/);
  });
});

describe('delayLabel', () => {
  it.each([
    [200, '200ms'],
    [1500, '1500ms'],
    [5_000, '5s'],
    [30_000, '30s'],
    [90_000, '90s'],
    [300_000, '5m'],
    [3_600_000, '1h'],
  ])('%d ms → %s', (ms, label) => expect(delayLabel(ms)).toBe(label));

  it('names retry queues with it', () => {
    expect(names('x').retry(300_000)).toBe('x.retry.5m');
  });
});

describe('retryQueueFor', () => {
  const t = buildTopology({ prefix: 'p' });

  it('waits longer with every attempt and stays on the last tier', () => {
    expect([1, 2, 3, 4, 9].map((a) => retryQueueFor(t, a).label)).toEqual([
      '5s',
      '30s',
      '5m',
      '5m',
      '5m',
    ]);
  });

  it('treats attempt 0 or less as the first attempt', () => {
    expect(retryQueueFor(t, 0).label).toBe('5s');
  });

  it('moves up to a tier at least minDelayMs long', () => {
    expect(retryQueueFor(t, 1, 10_000).label).toBe('30s');
    expect(retryQueueFor(t, 1, 30_000).label).toBe('30s');
    expect(retryQueueFor(t, 1, 3_600_000).label).toBe('5m');
    expect(retryQueueFor(t, 3, 10_000).label).toBe('5m');
  });
});

describe('declareTopology', () => {
  const t = buildTopology({ prefix: 'p' });

  function fakeChannel(failOn?: { queue: string; error: unknown }) {
    const calls: string[] = [];
    return {
      calls,
      assertExchange: async (name: string, type: string) => {
        calls.push(`exchange ${name} ${type}`);
        return { exchange: name };
      },
      assertQueue: async (name: string) => {
        calls.push(`queue ${name}`);
        if (failOn?.queue === name) throw failOn.error;
        return { queue: name, messageCount: 0, consumerCount: 0 };
      },
      bindQueue: async (queue: string, exchange: string, pattern: string) => {
        calls.push(`bind ${exchange} ${queue} ${pattern}`);
        return {};
      },
    };
  }

  it('declares exchanges, then queues, then bindings', async () => {
    const channel = fakeChannel();
    await declareTopology(channel, t);
    expect(channel.calls[0]).toBe('exchange p.ingress fanout');
    const firstQueue = channel.calls.findIndex((c) => c.startsWith('queue'));
    const firstBind = channel.calls.findIndex((c) => c.startsWith('bind'));
    expect(firstQueue).toBe(t.exchanges.length);
    expect(firstBind).toBe(t.exchanges.length + t.queues.length);
    expect(channel.calls).toHaveLength(t.exchanges.length + t.queues.length + t.bindings.length);
  });

  it('turns PRECONDITION_FAILED into an error naming the queue, the argument and the fix', async () => {
    const brokerError = Object.assign(
      new Error(
        'Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - ' +
          "inequivalent arg 'x-delivery-limit' for queue 'p.work' in vhost '/': received the value '5' " +
          "of type 'signedint' but current is the value '10' of type 'long'\"",
      ),
      { code: 406 },
    );
    const channel = fakeChannel({ queue: 'p.work', error: brokerError });
    const failure = declareTopology(channel, t);
    await expect(failure).rejects.toBeInstanceOf(TopologyMismatchError);
    await expect(failure).rejects.toMatchObject({
      kind: 'queue',
      objectName: 'p.work',
      argument: 'x-delivery-limit',
    });
    await expect(failure).rejects.toThrow(
      /^queue p\.work already exists with a different x-delivery-limit .*current is the value '10'.* delete it \(rabbitmqctl delete_queue p\.work/,
    );
  });

  it('names the object when anything else fails', async () => {
    const channel = fakeChannel({ queue: 'p.dlq', error: new Error('Channel ended') });
    await expect(declareTopology(channel, t)).rejects.toThrow(
      'declaring queue p.dlq failed: Channel ended',
    );
  });
});
