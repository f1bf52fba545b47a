import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { CanonicalException } from '@exhub/canonical';
import {
  apiKeyHeader,
  startHub,
  stripeHeaders,
  subscribe,
  take,
  until,
  type Harness,
} from '../hub/hub-harness';

const fixture = JSON.parse(
  readFileSync(
    join(__dirname, '../../../connectors/stripe/fixtures/charge.dispute.created.json'),
    'utf8',
  ),
) as { id: string; data: { object: { amount: number } } };
const JSON_TYPE = { 'content-type': 'application/json' };

describe('lifecycle: outcomes on exhub.outcomes, decisions, re-open by the source', () => {
  let hub: Harness;
  let finance: string;
  let operator: Record<string, string>;
  let id: string;
  let version: number;

  const ingest = async (eventId: string, amount: number) => {
    const body = Buffer.from(
      JSON.stringify({
        ...fixture,
        id: eventId,
        data: { ...fixture.data, object: { ...fixture.data.object, amount } },
      }),
    );
    const res = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(res.status).toBe(202);
    const [msg] = await take(hub.channel, finance, 1);
    return JSON.parse(msg.content.toString('utf8')) as CanonicalException;
  };
  /** Publishes as a workflow tool would: persistent, confirmed, typed outcome.v1. */
  const report = async (body: unknown, messageId = randomUUID()) => {
    const ch = await hub.client.createConfirmChannel();
    const content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const routingKey = (body as { outcome?: string }).outcome ?? 'unknown';
    ch.publish(hub.rt.topology.names.outcomes, String(routingKey), content, {
      persistent: true,
      messageId,
      correlationId: 'corr-test',
      type: 'outcome.v1',
      contentType: 'application/json',
    });
    await ch.waitForConfirms();
    await ch.close();
    return messageId;
  };
  const status = async () => (await hub.rt.store.getException(id))?.status;
  const dlq = async (count: number) => take(hub.channel, hub.rt.topology.names.dlq, count, 10_000);

  beforeAll(async () => {
    hub = await startHub();
    operator = await apiKeyHeader(hub.rt, 'operator', 'ops');
    finance = await subscribe(hub.channel, hub.rt.topology.names.exceptions, 'finance.#');
    const exception = await ingest(`evt_${randomUUID()}`, 2200);
    id = exception.id;
    version = exception.version;
    expect(await status()).toBe('open');
  });
  afterAll(async () => hub?.close());

  it('moves the status on an escalation, records it for training and audits it with the actor', async () => {
    const outcome = {
      outcome: 'escalated',
      exceptionId: id,
      version,
      actor: 'disputes-bot',
      reason: 'Needs the finance lead',
      at: '2026-03-20T10:15:00Z',
    };
    const messageId = await report(outcome);
    expect(await until(status, (s) => s === 'in_review')).toBe('in_review');
    // The same report again (same message-id): acknowledged, not recorded twice.
    await report(outcome, messageId);
    await new Promise((r) => setTimeout(r, 500));
    const recorded = await hub.rt.store.listOutcomes(id);
    expect(recorded).toEqual([
      expect.objectContaining({ kind: 'escalated', actor: 'disputes-bot', version }),
    ]);
    const audit = await hub.rt.store.auditTrail({ exceptionId: id });
    expect(audit.map((a) => [a.action, a.actor])).toContainEqual([
      'outcome.escalated',
      'disputes-bot',
    ]);
  });

  it('resolves on a `resolved` outcome; a person can no longer decide on it (409); the source re-opens it', async () => {
    await report({
      outcome: 'resolved',
      exceptionId: id,
      version,
      actor: 'disputes-bot',
      reason: 'Evidence submitted; dispute won',
      at: '2026-03-21T10:15:00Z',
    });
    expect(await until(status, (s) => s === 'resolved')).toBe('resolved');
    const refused = await hub.post(
      `/v1/exceptions/${id}/decisions`,
      JSON.stringify({ action: 'dismiss', reason: 'late' }),
      { ...operator, ...JSON_TYPE },
    );
    expect(refused.status).toBe(409);
    expect(await status()).toBe('resolved');
    // A new source event about the same dispute (the amount changed) re-opens it.
    const again = await ingest(`evt_${randomUUID()}`, 2500);
    expect(again.id).toBe(id);
    expect(await until(status, (s) => s === 'open')).toBe('open');
    const audit = await hub.rt.store.auditTrail({ exceptionId: id });
    expect(audit.map((a) => a.action)).toContain('exception.reopened');
    // And a decision through the API moves it again, audited with the key's name.
    const decided = await hub.post(
      `/v1/exceptions/${id}/decisions`,
      JSON.stringify({ action: 'dismiss', reason: 'duplicate of a case already won' }),
      { ...operator, ...JSON_TYPE },
    );
    expect(decided.status).toBe(200);
    expect(await status()).toBe('dismissed');
  });

  it('dead-letters invalid outcomes with the reason, and outcomes for unknown exceptions', async () => {
    const before = await hub.rt.store.getException(id);
    const outcomesBefore = (await hub.rt.store.listOutcomes(id)).length;
    await report('{not json');
    await report({
      outcome: 'overridden',
      exceptionId: id,
      version,
      actor: 'x',
      reason: 'y',
      at: '2026-03-21T10:15:00Z',
    });
    await report({
      outcome: 'resolved',
      exceptionId: '00000000-0000-5000-8000-000000000000',
      version: 1,
      actor: 'bot',
      reason: 'done',
      at: '2026-03-21T10:15:00Z',
    });
    const dead = await dlq(3);
    expect(dead).toHaveLength(3);
    const reasons = dead.map((m) => ({
      errorClass: m.properties.headers?.['x-exhub-error-class'],
      message: String(m.properties.headers?.['x-exhub-error-message']),
    }));
    expect(reasons).toEqual(
      expect.arrayContaining([
        { errorClass: 'INVALID_PAYLOAD', message: expect.stringContaining('not JSON') },
        { errorClass: 'INVALID_PAYLOAD', message: expect.stringContaining('/tier') },
        { errorClass: 'NOT_FOUND', message: expect.stringContaining('00000000-0000-5000-8000') },
      ]),
    );
    // The original bodies are kept untouched for a replay after a fix.
    expect(dead.map((m) => m.content.toString('utf8'))).toContain('{not json');
    // Nothing changed.
    expect(await hub.rt.store.getException(id)).toEqual(before);
    expect(await hub.rt.store.listOutcomes(id)).toHaveLength(outcomesBefore);
  });
});
