/**
 * Exceptions that end when the source says so (issue 15 §1), for every system, through a real hub
 * (in-process, real RabbitMQ, its store): open → the source ends it → stored `resolved` (new
 * version, `resolution`), audited, recorded as an outcome with `resolvedBy: source` and published
 * on exhub.exceptions; then the source re-opens it. Stripe goes through the real signed ingest; the
 * polled systems' records are published on exhub.ingress exactly as their PollRunner publishes
 * them (the connectors' own queries and simulators are covered in test/e2e/connectors; the SAP
 * one runs a release and a re-block end to end through its simulator).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalException, ExceptionType } from '@exhub/canonical';
import { exceptionId } from '@exhub/canonical';
import { sourceEventPublishOptions } from '@exhub/messaging';
import { startHub, stripeHeaders, subscribe, take, until, type Harness } from './hub-harness';

const ROOT = join(__dirname, '../../..');
const fixture = <T = Record<string, unknown>>(path: string): T =>
  JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as T;
const xml = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Json = Record<string, unknown>;

describe('lifecycle: the source ends (and re-opens) the exceptions it raised', () => {
  let hub: Harness;
  let all: string;

  beforeAll(async () => {
    hub = await startHub();
    all = await subscribe(hub.channel, hub.rt.topology.names.exceptions, '#');
  });
  afterAll(async () => hub?.close());

  /** A polled connector's record, published as PollRunner publishes it. */
  const poll = async (
    system: string,
    objectType: string,
    payload: unknown,
    contentType = 'application/json',
  ) => {
    const meta = {
      eventId: randomUUID(),
      correlationId: randomUUID(),
      connectorId: `${system}-main`,
      system,
      objectType,
      sourceEventId: randomUUID(),
      receivedAt: new Date().toISOString(),
      contentType,
    };
    const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    await hub.rt.publisher.publish(
      hub.rt.topology.names.ingress,
      '',
      body,
      sourceEventPublishOptions(meta),
    );
  };
  const stripe = async (event: Json) => {
    const body = Buffer.from(JSON.stringify(event));
    const res = await hub.post('/v1/ingest/stripe', body, stripeHeaders(body));
    expect(res.status).toBe(202);
  };
  const stored = (id: string) => hub.rt.store.getException(id);
  const waitFor = (id: string, ok: (e: CanonicalException | undefined) => boolean) =>
    until(() => stored(id), ok, 15_000);
  /** The published versions of one exception, taken from the subscriber queue until `version`. */
  const published = new Map<string, CanonicalException[]>();
  const publishedVersion = async (id: string, version: number) => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const found = published.get(id)?.find((e) => e.version === version);
      if (found) return found;
      for (const m of await take(hub.channel, all, 1, 500)) {
        const e = JSON.parse(m.content.toString('utf8')) as CanonicalException;
        published.set(e.id, [...(published.get(e.id) ?? []), e]);
      }
    }
    return undefined;
  };

  /** Everything the issue asks of an end by the source, for one exception. */
  async function expectResolvedBySource(id: string, connector: string, reason: RegExp) {
    const e = await waitFor(id, (x) => x?.status === 'resolved');
    expect(e).toMatchObject({
      status: 'resolved',
      resolution: { by: 'source', status: 'resolved' },
    });
    expect(e?.resolution?.reason).toMatch(reason);
    const version = e?.version ?? 0;
    expect(version).toBeGreaterThan(1);
    const trail = await hub.rt.store.auditTrail({ exceptionId: id });
    const entry = trail.find((a) => a.action === 'outcome.resolved');
    expect(entry?.actor).toBe(`source:${connector}`);
    expect(JSON.parse(entry?.details ?? '{}')).toMatchObject({
      resolvedBy: 'source',
      statusBefore: 'open',
      status: 'resolved',
      version,
    });
    expect(await hub.rt.store.listOutcomes(id)).toEqual([
      expect.objectContaining({ kind: 'resolved', resolvedBy: 'source', version }),
    ]);
    const message = await publishedVersion(id, version);
    expect(message).toMatchObject({ id, version, status: 'resolved', resolution: e?.resolution });
    return version;
  }

  async function expectReopened(id: string, after: number) {
    const e = await waitFor(id, (x) => x?.status === 'open' && x.version > after);
    expect(e).toMatchObject({ status: 'open' });
    const trail = await hub.rt.store.auditTrail({ exceptionId: id });
    expect(trail.map((a) => a.action).at(-1)).toBe('exception.reopened');
    expect(await publishedVersion(id, e?.version ?? 0)).toMatchObject({ id, status: 'open' });
  }

  const idOf = (system: string, objectType: string, objectId: string, type: ExceptionType) =>
    exceptionId({ system, objectType, objectId, type });

  it('Stripe: a dispute closed (won) resolves it; a failed payment paid later, then failing again', async () => {
    const created = fixture<Json & { data: { object: Json } }>(
      'connectors/stripe/fixtures/charge.dispute.created.json',
    );
    const disputeId = `du_${randomUUID().slice(0, 8)}`;
    const dispute = { ...created.data.object, id: disputeId };
    await stripe({ ...created, id: `evt_${randomUUID()}`, data: { object: dispute } });
    const id = idOf('stripe', 'dispute', disputeId, 'chargeback_dispute');
    expect((await waitFor(id, (x) => x !== undefined))?.status).toBe('open');
    await stripe({
      ...created,
      id: `evt_${randomUUID()}`,
      type: 'charge.dispute.closed',
      data: { object: { ...dispute, status: 'won' } },
    });
    await expectResolvedBySource(id, 'stripe', /^Dispute closed by Stripe: won/);

    const failed = fixture<Json & { data: { object: Json } }>(
      'connectors/stripe/fixtures/payment_intent.payment_failed.json',
    );
    const pi: Json = { ...failed.data.object, id: `pi_${randomUUID().slice(0, 8)}` };
    const piId = idOf('stripe', 'payment_intent', String(pi.id), 'payment_failure');
    await stripe({ ...failed, id: `evt_${randomUUID()}`, data: { object: pi } });
    await waitFor(piId, (x) => x !== undefined);
    await stripe({
      ...failed,
      id: `evt_${randomUUID()}`,
      type: 'payment_intent.succeeded',
      data: { object: { ...pi, status: 'succeeded', amount_received: pi.amount } },
    });
    const v = await expectResolvedBySource(piId, 'stripe', /^Payment succeeded in Stripe/);
    // The customer's next attempt fails again: a new source fact re-opens it.
    await stripe({
      ...failed,
      id: `evt_${randomUUID()}`,
      created: Number(failed.created) + 3600,
      data: { object: { ...pi, last_payment_error: { type: 'card_error', code: 'expired_card' } } },
    });
    await expectReopened(piId, v);
  });

  it('Zendesk: a solved ticket resolves its SLA risk; at risk again re-opens it', async () => {
    const ticket = {
      ...fixture('connectors/zendesk/fixtures/export/01-sla-at-risk.ticket.json'),
      id: Math.floor(Math.random() * 1e9),
    };
    const id = idOf('zendesk', 'ticket', String(ticket.id), 'sla_breach_risk');
    await poll('zendesk', 'ticket', ticket);
    await waitFor(id, (x) => x !== undefined);
    await poll('zendesk', 'ticket', {
      ...ticket,
      status: 'solved',
      updated_at: '2026-03-03T09:00:00Z',
    });
    const v = await expectResolvedBySource(id, 'zendesk-main', /ticket solved in Zendesk/);
    await poll('zendesk', 'ticket', {
      ...ticket,
      status: 'open',
      updated_at: '2026-03-04T09:00:00Z',
    });
    await expectReopened(id, v);
  });

  it('ServiceNow: a resolved incident resolves it; re-opened in ServiceNow re-opens it', async () => {
    const incident = {
      ...fixture('connectors/servicenow/fixtures/published/incident-get.json'),
      number: `INC${Math.floor(Math.random() * 1e7)}`,
    };
    const id = idOf('servicenow', 'incident', String(incident.number), 'sla_breach_risk');
    await poll('servicenow', 'incident', incident);
    await waitFor(id, (x) => x !== undefined);
    await poll('servicenow', 'incident', {
      ...incident,
      state: '6',
      close_code: 'Solved (Permanently)',
      sys_updated_on: '2015-11-02 09:00:00',
    });
    const v = await expectResolvedBySource(
      id,
      'servicenow-main',
      /incident resolved in ServiceNow/,
    );
    // Re-opened: the same content as when it opened, but ServiceNow counts the re-opening.
    await poll('servicenow', 'incident', {
      ...incident,
      state: '2',
      reopen_count: '1',
      sys_updated_on: '2015-11-03 09:00:00',
    });
    await expectReopened(id, v);
  });

  it('Salesforce: a closed case resolves its escalation; re-opened and escalated re-opens it', async () => {
    const c = {
      ...fixture('connectors/salesforce/fixtures/records/case-00001033.json'),
      Id: `500${randomUUID().slice(0, 12)}`,
    };
    const id = idOf('salesforce', 'Case', String(c.Id), 'escalation');
    await poll('salesforce', 'Case', c);
    await waitFor(id, (x) => x !== undefined);
    await poll('salesforce', 'Case', {
      ...c,
      Status: 'Closed',
      IsClosed: true,
      ClosedDate: '2026-11-21T10:00:00.000+0000',
      SystemModstamp: '2026-11-21T10:00:00.000+0000',
    });
    const v = await expectResolvedBySource(id, 'salesforce-main', /case closed in Salesforce/);
    await poll('salesforce', 'Case', { ...c, SystemModstamp: '2026-11-22T10:00:00.000+0000' });
    await expectReopened(id, v);
  });

  it('NetSuite: a bill released from hold and approved resolves it; put on hold again re-opens it', async () => {
    const bill = fixture<Json & { attributes: Json }>(
      'connectors/netsuite/fixtures/published/vendor-bill-8102.json',
    );
    const internalId = String(Math.floor(Math.random() * 1e8));
    const held = { ...bill, attributes: { ...bill.attributes, internalId } };
    const id = idOf('netsuite', 'VendorBill', internalId, 'payment_hold');
    await poll('netsuite', 'VendorBill', held);
    await waitFor(id, (x) => x !== undefined);
    await poll('netsuite', 'VendorBill', {
      ...held,
      paymentHold: false,
      lastModifiedDate: '2026-03-20T10:00:00.000-07:00',
    });
    const v = await expectResolvedBySource(id, 'netsuite-main', /approved and not on payment hold/);
    await poll('netsuite', 'VendorBill', {
      ...held,
      lastModifiedDate: '2026-03-21T10:00:00.000-07:00',
    });
    await expectReopened(id, v);
  });

  it('SAP S/4HANA: a released payment block resolves it; the block set again re-opens it', async () => {
    const invoice: Json = {
      ...fixture('connectors/sap-s4/fixtures/01-payment-hold.invoice.json'),
      SupplierInvoice: String(5_100_000_000 + Math.floor(Math.random() * 1e8)),
    };
    const id = idOf(
      'sap-s4',
      'A_SupplierInvoice',
      `${String(invoice.SupplierInvoice)}/${String(invoice.FiscalYear)}`,
      'payment_hold',
    );
    await poll('sap-s4', 'A_SupplierInvoice', invoice);
    await waitFor(id, (x) => x !== undefined);
    await poll('sap-s4', 'A_SupplierInvoice', { ...invoice, PaymentBlockingReason: '' });
    const v = await expectResolvedBySource(id, 'sap-s4-main', /payment block released/);
    // Blocked again with the same key: the exception's content is the same as when it opened.
    await poll('sap-s4', 'A_SupplierInvoice', invoice);
    await expectReopened(id, v);
  });

  it('ISO 20022: a later status report accepting the re-sent payment resolves the rejection; a rejection again re-opens it', async () => {
    const run = `PAY-RUN-${randomUUID().slice(0, 8)}`;
    const report = xml('connectors/iso20022/fixtures/pain.002-partially-accepted.xml').replaceAll(
      'PAY-RUN-2026-05-14-01',
      run,
    );
    const rejected = report.replaceAll('STS-20260514-000731', `STS-${randomUUID().slice(0, 8)}`);
    await poll('iso20022', 'pain.002', rejected, 'application/xml');
    const open = await until(
      () =>
        hub.rt.store.findOpenExceptions({
          keys: [{ kind: 'bankTransaction', value: 'E2E-INV-2026-04488' }],
        }),
      (list) => list.some((e) => e.source.objectId.startsWith(run)),
    );
    const id = open.find((e) => e.source.objectId.startsWith(run))?.id ?? '';
    expect(id).not.toBe('');
    // The re-sent payment, in a new run with the same end-to-end id, accepted by the bank.
    const accepted = xml('connectors/iso20022/fixtures/pain.002-accepted.xml')
      .replaceAll('E2E-INV-2026-04510', 'E2E-INV-2026-04488')
      .replaceAll('STS-20260515-000802', `STS-${randomUUID().slice(0, 8)}`);
    await poll('iso20022', 'pain.002', accepted, 'application/xml');
    const v = await expectResolvedBySource(
      id,
      'iso20022-main',
      /^Bank accepted payment E2E-INV-2026-04488/,
    );
    // A later report about the same run rejects the payment again (e.g. accepted for settlement,
    // then rejected): the same exception re-opens, as a new version.
    const again = report.replaceAll('STS-20260514-000731', `STS-${randomUUID().slice(0, 8)}`);
    await poll('iso20022', 'pain.002', again, 'application/xml');
    await expectReopened(id, v);
    // Re-opened by the new rejection's content (another status report), audited as such.
    const trail = await hub.rt.store.auditTrail({ exceptionId: id });
    expect(JSON.parse(trail.at(-1)?.details ?? '{}')).toMatchObject({
      statusBefore: 'resolved',
      status: 'open',
      version: v + 1,
    });
  });

  it('counts an end for an exception the hub never opened, and changes nothing', async () => {
    const created = fixture<Json & { data: { object: Json } }>(
      'connectors/stripe/fixtures/charge.dispute.created.json',
    );
    const disputeId = `du_never_${randomUUID().slice(0, 8)}`;
    const metric = () =>
      hub.rt.metrics.registry
        .getSingleMetric('exhub_lifecycle_signals_total')
        ?.get()
        .then((m) =>
          m.values
            .filter(
              (v) => v.labels.connector === 'stripe' && v.labels.result === 'unknown_exception',
            )
            .reduce((n, v) => n + v.value, 0),
        ) ?? Promise.resolve(0);
    const before = await metric();
    await stripe({
      ...created,
      id: `evt_${randomUUID()}`,
      type: 'charge.dispute.closed',
      data: { object: { ...created.data.object, id: disputeId, status: 'lost' } },
    });
    expect(await until(metric, (n) => n > before)).toBe(before + 1);
    expect(
      await stored(idOf('stripe', 'dispute', disputeId, 'chargeback_dispute')),
    ).toBeUndefined();
  });
});
