import { exceptionId } from '@exhub/canonical';
import { InvalidPayloadError } from '@exhub/core';
import type { SourceEventMeta } from '@exhub/core';
import { lifecycleSignalOf } from './lifecycle';

const meta: SourceEventMeta = {
  eventId: 'e1',
  correlationId: 'c1',
  connectorId: 'stripe-main',
  system: 'stripe',
  objectType: 'event',
  sourceEventId: 'evt_1',
  receivedAt: '2026-03-20T10:00:01Z',
  contentType: 'application/json',
};
const now = new Date('2026-03-20T10:00:02Z');
const mapped = (fields: Record<string, unknown>) => ({
  mapping: { id: 'stripe.dispute-closed', version: 'abc' },
  emits: 'lifecycle' as const,
  fields,
});
const closed = {
  type: 'chargeback_dispute',
  source: { objectType: 'dispute', objectId: 'du_1' },
  lifecycle: { status: 'resolved', reason: ' Dispute closed by Stripe: won ' },
};

function issuesOf(fields: Record<string, unknown>): string[] {
  try {
    lifecycleSignalOf(meta, mapped(fields), now);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidPayloadError);
    return (err as InvalidPayloadError).issues.map((i) => i.pointer);
  }
  throw new Error('expected the signal to be refused');
}

describe('lifecycleSignalOf', () => {
  it('addresses the exception the opening mapping created, by its deterministic id', () => {
    expect(lifecycleSignalOf(meta, mapped(closed), now)).toEqual({
      exceptionId: exceptionId({
        system: 'stripe',
        objectType: 'dispute',
        objectId: 'du_1',
        type: 'chargeback_dispute',
      }),
      key: { type: 'chargeback_dispute', objectType: 'dispute', objectId: 'du_1' },
      resolution: {
        by: 'source',
        status: 'resolved',
        reason: 'Dispute closed by Stripe: won',
        // No occurredAt: when the hub mapped it; the event id from the SourceEvent.
        at: '2026-03-20T10:00:02.000Z',
        eventId: 'evt_1',
        mapping: 'stripe.dispute-closed@abc',
      },
    });
  });

  it('addresses open exceptions by reference when there is no natural key', () => {
    const signal = lifecycleSignalOf(
      meta,
      mapped({
        type: 'payment_failure',
        references: { bankTransaction: 'E2E-1', payment: '' },
        occurredAt: '2026-03-19T08:00:00Z',
        lifecycle: { status: 'resolved', reason: 'accepted' },
      }),
      now,
    );
    expect(signal).toMatchObject({
      key: { type: 'payment_failure' },
      references: [{ kind: 'bankTransaction', value: 'E2E-1' }],
      resolution: { at: '2026-03-19T08:00:00Z' },
    });
    expect(signal.exceptionId).toBeUndefined();
  });

  it('refuses what it cannot apply, naming every pointer', () => {
    expect(
      issuesOf({ ...closed, type: 'no_such_type', lifecycle: { status: 'closed', reason: '' } }),
    ).toEqual(['/lifecycle/status', '/lifecycle/reason', '/type']);
    expect(issuesOf({ ...closed, source: { objectType: 'dispute' } })).toEqual([
      '/source/objectId',
    ]);
    expect(issuesOf({ ...closed, occurredAt: '2026-03-19 08:00' })).toEqual(['/occurredAt']);
    // References find open exceptions only: a re-opening needs the natural key.
    expect(
      issuesOf({
        type: 'payment_failure',
        references: { bankTransaction: 'E2E-1' },
        lifecycle: { status: 'open', reason: 'back' },
      }),
    ).toEqual(['/lifecycle/status']);
  });
});
