import type { Message } from 'amqplib';
import {
  AuthError,
  InvalidPayloadError,
  NotFoundError,
  RateLimitedError,
  TransientError,
} from '@exhub/core';
import { type HandlerOutcome, outcomeFor, planFor, truncate } from './error-policy';
import { buildTopology } from './topology';

describe('outcomeFor', () => {
  it.each([
    [new TransientError('enrich', 'lookup timed out'), 'retry', 'TRANSIENT', 'enrich'],
    [new RateLimitedError('enrich', 'slow down'), 'retry', 'RATE_LIMITED', 'enrich'],
    [
      new InvalidPayloadError('validate', 'amount missing'),
      'dead-letter',
      'INVALID_PAYLOAD',
      'validate',
    ],
    [new NotFoundError('map', 'no mapping for sap-s4/invoice'), 'dead-letter', 'NOT_FOUND', 'map'],
    [new AuthError('enrich', 'token expired'), 'dead-letter', 'AUTH', 'enrich'],
  ])('%s → %s', (error, kind, errorClass, stage) => {
    expect(outcomeFor(error)).toEqual({ kind, errorClass, stage, message: error.message });
  });

  it('passes a rate limit Retry-After on as the minimum delay', () => {
    expect(outcomeFor(new RateLimitedError('enrich', 'slow down', 45_000))).toMatchObject({
      kind: 'retry',
      minDelayMs: 45_000,
    });
  });

  it("passes an error's own lower attempt limit on (a mapping time-out: one retry)", () => {
    const error = new TransientError('map', 'mapping x took longer than 250 ms');
    error.maxAttempts = 2;
    expect(outcomeFor(error)).toEqual({
      kind: 'retry',
      errorClass: 'TRANSIENT',
      stage: 'map',
      message: error.message,
      maxAttempts: 2,
    });
  });

  it('retries anything that is not a HubError as TRANSIENT, at the fallback stage', () => {
    expect(outcomeFor(new TypeError('x is undefined'))).toEqual({
      kind: 'retry',
      errorClass: 'TRANSIENT',
      stage: 'parse',
      message: 'unexpected TypeError: x is undefined',
    });
    expect(outcomeFor('boom', 'score')).toEqual({
      kind: 'retry',
      errorClass: 'TRANSIENT',
      stage: 'score',
      message: 'unexpected throw: boom',
    });
  });
});

describe('planFor', () => {
  const topology = buildTopology({ prefix: 'p' });
  const now = () => new Date('2025-06-01T10:00:00.000Z');
  const context = { topology, maxAttempts: 3, now, random: () => 0.5, retryJitter: 0.2 };

  function message(headers: Record<string, unknown> = {}): Pick<Message, 'fields' | 'properties'> {
    return {
      fields: { deliveryTag: 1, redelivered: false, exchange: 'p.ingress', routingKey: 'stripe' },
      properties: {
        contentType: 'application/json',
        contentEncoding: undefined,
        headers: { 'x-exhub-connector': 'stripe', ...headers },
        deliveryMode: 2,
        priority: undefined,
        correlationId: 'corr-1',
        replyTo: undefined,
        expiration: undefined,
        messageId: 'evt-1',
        timestamp: 1_700_000_000,
        type: 'source-event.v1',
        userId: 'guest',
        appId: undefined,
        clusterId: undefined,
      },
    };
  }
  const retry: HandlerOutcome = {
    kind: 'retry',
    errorClass: 'TRANSIENT',
    stage: 'enrich',
    message: 'fx rates unavailable',
  };

  it('acks an ack', () => {
    expect(planFor(message(), { kind: 'ack' }, context)).toEqual({ kind: 'ack' });
  });

  it('dead-letters with the original properties plus the error headers and the dead-letter time', () => {
    const plan = planFor(
      message({ 'x-death': [{ count: 1 }], 'x-delivery-count': 2, 'x-first-death-queue': 'q' }),
      { kind: 'dead-letter', errorClass: 'MAPPING', stage: 'map', message: 'no rule for type' },
      context,
    );
    expect(plan).toEqual({
      kind: 'publish',
      action: 'dead-letter',
      exchange: 'p.dlx',
      routingKey: 'stripe',
      options: {
        persistent: true,
        mandatory: true,
        contentType: 'application/json',
        correlationId: 'corr-1',
        messageId: 'evt-1',
        timestamp: 1_700_000_000,
        type: 'source-event.v1',
        headers: {
          'x-exhub-connector': 'stripe',
          'x-exhub-error-stage': 'map',
          'x-exhub-error-class': 'MAPPING',
          'x-exhub-error-message': 'no rule for type',
          'x-exhub-attempts': 1,
          'x-exhub-failure-streak': 1,
          'x-exhub-first-failed-at': '2025-06-01T10:00:00.000Z',
          'x-exhub-dead-lettered-at': '2025-06-01T10:00:00.000Z',
        },
      },
    });
  });

  it('sends a first retry to the first tier with attempts 1 and a jittered expiration', () => {
    const plan = planFor(message(), retry, context);
    expect(plan).toMatchObject({
      kind: 'publish',
      action: 'retry',
      exchange: '',
      routingKey: 'p.retry.5s',
      options: {
        expiration: '4500',
        headers: {
          'x-exhub-attempts': 1,
          'x-exhub-first-failed-at': '2025-06-01T10:00:00.000Z',
          'x-exhub-error-class': 'TRANSIENT',
        },
      },
    });
  });

  it('keeps the expiration within (delay × (1 − jitter), delay]', () => {
    for (const r of [0, 0.999]) {
      const plan = planFor(message(), retry, { ...context, random: () => r });
      const expiration = Number(plan.kind === 'publish' && plan.options.expiration);
      expect(expiration).toBeGreaterThanOrEqual(4_000);
      expect(expiration).toBeLessThanOrEqual(5_000);
    }
  });

  it('backs off to the next tier and keeps first-failed-at from the earlier attempt', () => {
    const plan = planFor(
      message({ 'x-exhub-attempts': 1, 'x-exhub-first-failed-at': '2025-06-01T09:00:00.000Z' }),
      retry,
      context,
    );
    expect(plan).toMatchObject({
      routingKey: 'p.retry.30s',
      options: {
        headers: { 'x-exhub-attempts': 2, 'x-exhub-first-failed-at': '2025-06-01T09:00:00.000Z' },
      },
    });
  });

  it('gives up at maxAttempts and dead-letters with the count in the message', () => {
    const plan = planFor(message({ 'x-exhub-attempts': '2' }), retry, context);
    expect(plan).toMatchObject({
      action: 'dead-letter',
      exchange: 'p.dlx',
      options: {
        headers: {
          'x-exhub-attempts': 3,
          'x-exhub-error-message': 'gave up after 3 attempts: fx rates unavailable',
        },
      },
    });
    expect(plan.kind === 'publish' && plan.options.expiration).toBeUndefined();
  });

  it("retries once, then dead-letters, an error whose own limit is 2 attempts (the policy's is 3)", () => {
    const once: HandlerOutcome = { ...retry, stage: 'map', message: 'timed out', maxAttempts: 2 };
    expect(planFor(message(), once, context)).toMatchObject({
      action: 'retry',
      options: { headers: { 'x-exhub-attempts': 1, 'x-exhub-failure-streak': 1 } },
    });
    const timedOutOnce = {
      'x-exhub-attempts': '1',
      'x-exhub-failure-streak': '1',
      'x-exhub-error-stage': 'map',
      'x-exhub-error-class': 'TRANSIENT',
    };
    expect(planFor(message(timedOutOnce), once, context)).toMatchObject({
      action: 'dead-letter',
      options: {
        headers: {
          'x-exhub-attempts': 2,
          'x-exhub-failure-streak': 2,
          'x-exhub-error-message': 'gave up after 2 attempts: timed out',
        },
      },
    });
    // Never more than the policy's own limit.
    const generous: HandlerOutcome = { ...once, maxAttempts: 10 };
    expect(planFor(message({ 'x-exhub-attempts': '2' }), generous, context)).toMatchObject({
      action: 'dead-letter',
    });
  });

  it("counts an error's own limit over failures of its kind in a row: a store outage before does not use it up", () => {
    const context5 = { ...context, maxAttempts: 10 };
    const timeout: HandlerOutcome = {
      ...retry,
      stage: 'map',
      message: 'timed out',
      maxAttempts: 2,
    };
    // Three attempts failed at publish while the store was down; then the mapping times out once
    // in the recovery surge: that is its first time-out, so it is retried.
    const afterOutage = message({
      'x-exhub-attempts': '3',
      'x-exhub-failure-streak': '3',
      'x-exhub-error-stage': 'publish',
      'x-exhub-error-class': 'TRANSIENT',
    });
    expect(planFor(afterOutage, timeout, context5)).toMatchObject({
      action: 'retry',
      options: { headers: { 'x-exhub-attempts': 4, 'x-exhub-failure-streak': 1 } },
    });
    // A second time-out in a row dead-letters it, and the message says how it counted.
    const timedOutAgain = message({
      'x-exhub-attempts': '4',
      'x-exhub-failure-streak': '1',
      'x-exhub-error-stage': 'map',
      'x-exhub-error-class': 'TRANSIENT',
    });
    expect(planFor(timedOutAgain, timeout, context5)).toMatchObject({
      action: 'dead-letter',
      options: {
        headers: {
          'x-exhub-attempts': 5,
          'x-exhub-failure-streak': 2,
          'x-exhub-error-message':
            'gave up after 2 attempts failing like this (5 in all): timed out',
        },
      },
    });
    // Retried by a hub that wrote no streak: the same kind before counts all its attempts.
    const older = message({
      'x-exhub-attempts': '1',
      'x-exhub-error-stage': 'map',
      'x-exhub-error-class': 'TRANSIENT',
    });
    expect(planFor(older, timeout, context5)).toMatchObject({ action: 'dead-letter' });
  });

  it('gives up once the message has been failing for longer than maxRetryAgeMs, whatever the attempts', () => {
    const old = message({
      'x-exhub-attempts': 1,
      'x-exhub-first-failed-at': '2025-06-01T09:29:00.000Z',
    });
    const plan = planFor(old, retry, { ...context, maxRetryAgeMs: 30 * 60 * 1000 });
    expect(plan).toMatchObject({
      action: 'dead-letter',
      options: {
        headers: {
          'x-exhub-attempts': 2,
          'x-exhub-error-message':
            'gave up after 1860 s of retries (limit 1800 s, 2 attempts): fx rates unavailable',
        },
      },
    });
    const young = message({
      'x-exhub-attempts': 1,
      'x-exhub-first-failed-at': '2025-06-01T09:31:00.000Z',
    });
    expect(planFor(young, retry, { ...context, maxRetryAgeMs: 30 * 60 * 1000 })).toMatchObject({
      action: 'retry',
    });
  });

  it('never copies userId (the broker rejects a foreign one) or broker-managed headers', () => {
    const plan = planFor(message({ 'x-death': [] }), retry, context);
    expect(plan.kind === 'publish' && plan.options.userId).toBeUndefined();
    expect(plan.kind === 'publish' && plan.options.headers).not.toHaveProperty('x-death');
  });

  it('truncates long error messages', () => {
    const plan = planFor(message(), { ...retry, message: 'x'.repeat(5_000) }, context);
    const header = plan.kind === 'publish' ? plan.options.headers['x-exhub-error-message'] : '';
    expect(header).toHaveLength(1_000);
    expect(header.endsWith('…')).toBe(true);
    expect(truncate('short', 10)).toBe('short');
  });
});
