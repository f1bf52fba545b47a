/**
 * The cross-system acceptance of issue #6, end to end through the simulators and RabbitMQ: one hub
 * with a Stripe webhook, a Zendesk webhook and a Salesforce instance (polled, pointing at a fresh
 * simulator) that answers the account context (`enrichment: { account: salesforce }`).
 *
 * How the systems meet (apps/hub/src/context/README.md, "Linking Stripe, Zendesk and Salesforce"):
 * - Zendesk ticket → Salesforce account: the ticket's `account` party is the Zendesk organization
 *   id; the Salesforce Account holds it in `Zendesk_Organization_Id__c` (`accountExternalIdField`).
 * - Zendesk ticket ↔ Stripe: a Stripe dispute event names only its charge (never the customer), so
 *   the ticket carries the Stripe ids in its payment / subscription custom fields (the trigger
 *   body's `payment_id`, `subscription_id`): the shared `payment` reference links it to the
 *   dispute, the shared `subscription` reference to the failed invoice payment.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as amqp from 'amqplib';
import pino from 'pino';
import {
  SalesforceSimulator,
  SIMULATOR_CLIENT_ID,
  SIMULATOR_CLIENT_SECRET,
} from '../../../connectors/salesforce/testing';
import { ZENDESK_INVOCATION_ID_HEADER } from '@exhub/connectors/zendesk';
import { signedWebhook } from '../../../connectors/zendesk/testing';
import { validateCanonicalException, type CanonicalException } from '@exhub/canonical';
import { Secret, loadEnvSettings } from '@exhub/config';
import { declareTopology, deleteTopology } from '@exhub/messaging';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { PollSchedulerService } from '../../../apps/hub/src/connectors/poll-scheduler.service';
import { freshDatabase } from '../api/pg-database';
import {
  AMQP_URL,
  STRIPE_SECRET,
  apiKeyHeader,
  stripeHeaders,
  subscribe,
} from '../hub/hub-harness';

const TIMEOUT_MS = 20_000;
const DAY_MS = 86_400_000;
const ZENDESK_SECRET = randomBytes(32).toString('base64');
const STRIPE_FIXTURES = join(__dirname, '../../../connectors/stripe/fixtures');
/** Zendesk organization ids, as the Salesforce Accounts hold them in Zendesk_Organization_Id__c. */
const ORG_INITECH = '361234'; // strategic (the simulator's seed already carries this id)
const ORG_GRANITE = '361300'; // strategic, first seen while Salesforce is down
const ORG_NORTHWIND = '361400'; // SMB
const ORG_LAKESIDE = '361500'; // Gold
const RECHECK_SECONDS = 1;

const hex = (n: number) => randomBytes(n).toString('hex');
const stripeFixture = (name: string) =>
  JSON.parse(readFileSync(join(STRIPE_FIXTURES, name), 'utf8')) as Record<string, unknown> & {
    data: { object: Record<string, unknown> };
  };
const factor = (e: CanonicalException, code: string) =>
  e.priority.factors.find((f) => f.code === code);

let ticketSerial = 0;
/**
 * A Zendesk trigger body as connectors/zendesk/README.md tells to configure it (the custom fields
 * included); an empty custom field renders as "", as Zendesk's placeholders do.
 */
function ticketBody(t: {
  org: string;
  orgName: string;
  title: string;
  priority?: string;
  tags?: string;
  paymentId?: string;
  subscriptionId?: string;
}): { id: string; body: Buffer } {
  ticketSerial++;
  const id = String(Math.floor(Date.now() / 1000) * 10 + ticketSerial);
  const now = new Date();
  const day = now.toLocaleDateString('en-US', {
    month: 'long',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  });
  const body = {
    ticket_id: id,
    ticket_title: t.title,
    ticket_description: t.title,
    ticket_url: `acme.zendesk.com/agent/tickets/${id}`,
    ticket_status: 'Open',
    ticket_priority: t.priority ?? 'Urgent',
    ticket_type: 'Incident',
    requester_full_name: `Requester ${id}`,
    requester_id: `9${id}`,
    assignee_full_name: 'Support Agent',
    organization_id: t.org,
    organization_name: t.orgName,
    created_at: day,
    updated_at: day,
    updated_at_with_timestamp: now.toISOString(),
    tags: t.tags ?? '',
    link: `https://acme.zendesk.com/agent/tickets/${id}`,
    invoice_number: '',
    subscription_id: t.subscriptionId ?? '',
    payment_id: t.paymentId ?? '',
  };
  return { id, body: Buffer.from(JSON.stringify(body)) };
}

/** The details of an exception's re-score audit entries (the store keeps them as JSON text). */
async function rescores(rt: HubRuntime, id: string): Promise<Record<string, unknown>[]> {
  const trail = await rt.store.auditTrail({ exceptionId: id });
  return trail
    .filter((a) => a.action === 'exception.rescored')
    .map((a) =>
      typeof a.details === 'string'
        ? (JSON.parse(a.details) as Record<string, unknown>)
        : (a.details as Record<string, unknown>),
    );
}

describe.each(['sqlite', 'postgres'] as const)(
  'cross-system context (issue #6): Stripe + Zendesk webhooks, Salesforce account context, real broker, %s store',
  (storeKind) => {
    let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
    let sim: SalesforceSimulator;
    let rt: HubRuntime;
    let app: NestFastifyApplication;
    let client: amqp.ChannelModel;
    let channel: amqp.Channel;
    let queue: string;
    const seen: CanonicalException[] = [];
    /** The strategic account's ticket of the first test. */
    let strategic: CanonicalException | undefined;
    /** Renewal 30 days from today, whatever day the test runs. */
    const renewal = new Date(Date.now() + 30 * DAY_MS).toISOString().slice(0, 10);

    const post = async (path: string, payload: Buffer, headers: Record<string, string>) => {
      const r = await app
        .getHttpAdapter()
        .getInstance()
        .inject({ method: 'POST', url: path, payload, headers });
      return { status: r.statusCode, body: r.body };
    };
    const postTicket = async (t: Parameters<typeof ticketBody>[0]) => {
      const { id, body } = ticketBody(t);
      const r = await post('/v1/ingest/zendesk', body, {
        ...signedWebhook(body, ZENDESK_SECRET),
        // Zendesk's id of this webhook invocation (a retry of it is a duplicate).
        [ZENDESK_INVOCATION_ID_HEADER]: `01J${hex(10)}`,
      });
      expect(r.status).toBe(202);
      return id;
    };
    const postStripe = async (event: unknown) => {
      const body = Buffer.from(JSON.stringify(event));
      const r = await post('/v1/ingest/stripe', body, stripeHeaders(body));
      expect(r.status).toBe(202);
    };
    /** The SOQL of the account lookups the simulator answered so far. */
    const accountQueries = () =>
      sim.log
        .map((l) => new URLSearchParams(l.split('?')[1] ?? '').get('q') ?? '')
        .filter((q) => q.includes('FROM Account WHERE'));

    /** Takes messages until `pick` finds one among everything seen so far (or the timeout). */
    async function waitFor(
      what: string,
      pick: (e: CanonicalException) => boolean,
    ): Promise<CanonicalException> {
      const deadline = Date.now() + TIMEOUT_MS;
      for (;;) {
        const found = seen.find(pick);
        if (found) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `no ${what} within ${TIMEOUT_MS} ms; seen: ${seen.map((e) => `${e.source.system}/${e.source.objectId}:v${e.version}`).join(', ')}`,
          );
        }
        if (!(await takeOne())) await new Promise((r) => setTimeout(r, 50));
      }
    }
    /** One published exception into `seen`, if the queue has one. */
    async function takeOne(): Promise<boolean> {
      const m = await channel.get(queue, { noAck: false });
      if (!m) return false;
      channel.ack(m);
      const e = JSON.parse(m.content.toString('utf8')) as CanonicalException;
      expect(validateCanonicalException(e).ok).toBe(true);
      expect(m.properties.messageId).toBe(`${e.id}:${e.version}`);
      seen.push(e);
      return true;
    }
    /** Everything published so far, into `seen`. */
    async function drain(): Promise<void> {
      while (await takeOne());
    }
    const ticketException = (ticketId: string) => (e: CanonicalException) =>
      e.source.system === 'zendesk' && e.source.objectId === ticketId;

    beforeAll(async () => {
      sim = await SalesforceSimulator.start();
      // The CRM as a real org would have it: each account's Zendesk organization id on the Account.
      sim.accountByName('Initech GmbH').Renewal_Date__c = renewal;
      Object.assign(sim.accountByName('Granite Peak Outfitters'), {
        Zendesk_Organization_Id__c: ORG_GRANITE,
        Renewal_Date__c: renewal,
      });
      sim.accountByName('Northwind Commuter Supply').Zendesk_Organization_Id__c = ORG_NORTHWIND;
      sim.accountByName('Lakeside Cycle Co').Zendesk_Organization_Id__c = ORG_LAKESIDE;

      // The hub's own store: in-memory SQLite, or a fresh PostgreSQL database (as scaled out).
      if (storeKind === 'postgres') database = await freshDatabase('cross_system');
      const env = loadEnvSettings({
        ...process.env,
        AMQP_URL,
        EXHUB_STORE_URL: database?.url ?? 'sqlite::memory:',
        EXHUB_TOPOLOGY_PREFIX: `t${hex(4)}`,
      });
      rt = await createRuntime(env, 'e2e', {
        logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
        connectors: [
          {
            id: 'stripe',
            type: 'stripe',
            enabled: true,
            settings: { secrets: [new Secret(STRIPE_SECRET, 'test')], toleranceSeconds: 300 },
          },
          {
            id: 'zendesk',
            type: 'zendesk',
            enabled: true,
            settings: { secrets: [new Secret(ZENDESK_SECRET, 'test')], toleranceSeconds: 300 },
          },
          {
            id: 'salesforce',
            type: 'salesforce',
            enabled: true,
            settings: {
              loginUrl: sim.url,
              clientId: SIMULATOR_CLIENT_ID,
              clientSecret: SIMULATOR_CLIENT_SECRET,
              accountExternalIdField: 'Zendesk_Organization_Id__c',
              // Polled, but only its account lookups matter here: the seeded cases are older.
              startFrom: new Date().toISOString().slice(0, 10),
              pollIntervalSeconds: 60,
              timeoutMs: 1000,
              retries: 1,
              retryBaseDelayMs: 20,
              breakerResetSeconds: 0.5,
              breakerVolumeThreshold: 2,
            },
          },
        ],
      });
      rt.config.enrichment = {
        account: 'salesforce',
        // No in-memory cache: every lookup asks Salesforce, and an outage falls back to the
        // answers stored as context facts (shared by every hub process).
        cacheTtlSeconds: 0,
        recheckSeconds: RECHECK_SECONDS,
        dueSweepSeconds: 3600,
        dueWithinHours: 72,
      };
      client = await amqp.connect(AMQP_URL);
      channel = await client.createChannel();
      // Declared before the hub starts, so nothing is published before we listen.
      await declareTopology(channel, rt.topology);
      queue = await subscribe(channel, rt.topology.names.exceptions, '#');
      app = await createHubApp(rt);
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
    });

    afterAll(async () => {
      await app?.close();
      if (client) {
        const ch = await client.createChannel();
        await deleteTopology(ch, rt.topology);
        await ch.close().catch(() => undefined);
        await client.close().catch(() => undefined);
      }
      await sim?.close();
      await database?.drop();
    });

    it('publishes the ticket of a strategic account with its links and account context, back-links the dispute and the failed payment, and ranks it above the same ticket of an SMB account', async () => {
      const now = Math.floor(Date.now() / 1000);
      const chargeId = `ch_3${hex(12)}`;
      const subscriptionId = `sub_${hex(8)}`;
      const customerId = `cus_${hex(7)}`;

      // 1. Stripe: the bank of Initech's card holder opened a chargeback on charge `chargeId`.
      const dispute = stripeFixture('charge.dispute.created.json');
      const du = `du_1${hex(12)}`;
      Object.assign(dispute, { id: `evt_1${hex(12)}`, created: now });
      Object.assign(dispute.data.object, {
        id: du,
        charge: chargeId,
        amount: 1_850_000,
        currency: 'eur',
        created: now,
        evidence_details: {
          ...(dispute.data.object.evidence_details as object),
          due_by: now + 7 * 86_400,
        },
      });
      await postStripe(dispute);
      const d1 = await waitFor('dispute', (e) => e.source.objectId === du);
      expect(d1).toMatchObject({
        version: 1,
        type: 'chargeback_dispute',
        references: { payment: chargeId },
        links: [],
      });

      // 2. Stripe: the renewal invoice of Initech's subscription could not be collected.
      const invoice = stripeFixture('invoice.payment_failed.json');
      const inv = `in_1${hex(12)}`;
      Object.assign(invoice, { id: `evt_1${hex(12)}`, created: now });
      Object.assign(invoice.data.object, {
        id: inv,
        customer: customerId,
        subscription: subscriptionId,
        amount_due: 2_400_000,
        currency: 'eur',
        attempt_count: 2,
        next_payment_attempt: now + 3 * 86_400,
      });
      await postStripe(invoice);
      const i1 = await waitFor('failed invoice payment', (e) => e.source.objectId === inv);
      expect(i1).toMatchObject({
        version: 1,
        type: 'payment_failure',
        references: { invoice: inv, subscription: subscriptionId },
        links: [],
      });

      // 3. Zendesk: Initech's urgent ticket about both, the Stripe ids in its custom fields.
      const ticketId = await postTicket({
        org: ORG_INITECH,
        orgName: 'Initech GmbH',
        title: 'Card payment disputed and renewal invoice failed',
        paymentId: chargeId,
        subscriptionId,
      });
      const t = await waitFor('strategic ticket', ticketException(ticketId));
      strategic = t;
      expect(t).toMatchObject({
        version: 1,
        domain: 'support',
        type: 'escalation',
        parties: expect.arrayContaining([
          { role: 'account', id: ORG_INITECH, name: 'Initech GmbH' },
        ]),
        references: { ticket: ticketId, payment: chargeId, subscription: subscriptionId },
      });
      // Linked to the dispute (same payment) and the failed payment (same subscription).
      expect(t.links).toEqual([d1.id, i1.id].sort());
      // Scored with what Salesforce holds for the Zendesk organization, not degraded.
      expect(t.priority.degraded).toBe(false);
      expect(factor(t, 'context:account')?.detail).toBe(
        `Account ${ORG_INITECH} from salesforce: tier strategic, ARR 2400000.00, renewal ${renewal}, 0 open escalation(s).`,
      );
      expect(factor(t, 'customer_impact')?.detail).toMatch(
        /a strategic account, ARR 2400000\.00, renewing in 30 days/,
      );
      // The ticket's lookup went to Salesforce, by the Zendesk organization id (the Stripe
      // exceptions, finance exceptions of a customer, asked for their cus_… account too; this
      // config names no accountKeys.stripe, so they find none under the Zendesk key).
      expect(accountQueries().filter((q) => !q.includes("= 'cus_"))).toEqual([
        expect.stringContaining(`WHERE Zendesk_Organization_Id__c = '${ORG_INITECH}'`),
      ]);

      // Both Stripe exceptions are republished with version + 1 and the back-link.
      const d2 = await waitFor('dispute back-link', (e) => e.id === d1.id && e.version === 2);
      expect(d2.links).toEqual([t.id]);
      const i2 = await waitFor('invoice back-link', (e) => e.id === i1.id && e.version === 2);
      expect(i2.links).toEqual([t.id]);
      expect(await rescores(rt, d1.id)).toContainEqual(
        expect.objectContaining({ trigger: 'link', cause: t.id, version: 2, previousVersion: 1 }),
      );
      expect((await rt.store.getException(d1.id))?.links).toEqual([t.id]);

      // 4. The same kind of ticket from an SMB account, nothing else open for it.
      const routineId = await postTicket({
        org: ORG_NORTHWIND,
        orgName: 'Northwind Commuter Supply',
        title: 'Cannot export the monthly report',
      });
      const routine = await waitFor('SMB ticket', ticketException(routineId));
      expect(routine).toMatchObject({ type: 'escalation', links: [] });
      expect(routine.priority.degraded).toBe(false);
      expect(factor(routine, 'context:account')?.detail).toMatch(
        new RegExp(`^Account ${ORG_NORTHWIND} from salesforce: tier smb, ARR 24000.50`),
      );
      expect(t.priority.score).toBeGreaterThan(routine.priority.score);
      expect(t.priority.dimensions.customerImpact).toBeGreaterThan(
        routine.priority.dimensions.customerImpact,
      );
      // A workflow tool's worklist shows the strategic ticket first.
      const list = await app
        .getHttpAdapter()
        .getInstance()
        .inject({
          method: 'GET',
          url: '/v1/exceptions?domain=support',
          headers: await apiKeyHeader(rt, 'viewer'),
        });
      expect(list.statusCode).toBe(200);
      const ids = (JSON.parse(list.body) as { items: CanonicalException[] }).items.map((e) => e.id);
      expect(ids.indexOf(t.id)).toBeGreaterThanOrEqual(0);
      expect(ids.indexOf(t.id)).toBeLessThan(ids.indexOf(routine.id));
    }, 60_000);

    it('publishes a ticket degraded while Salesforce is down and re-scores it, with a higher version and score, once it is back', async () => {
      await sim.stop();
      // An account the hub has looked up before: its last answer stands in, nothing is missing.
      const knownId = await postTicket({
        org: ORG_INITECH,
        orgName: 'Initech GmbH',
        title: 'Checkout page times out',
      });
      const known = await waitFor('ticket of a known account', ticketException(knownId));
      expect(known.priority.degraded).toBe(false);
      expect(factor(known, 'context:account')?.detail).toMatch(
        new RegExp(
          `^Account ${ORG_INITECH} from salesforce \\(last answer of \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\): tier strategic, ARR 2400000\\.00, renewal ${renewal}, 0 open escalation\\(s\\)\\.$`,
        ),
      );
      expect(factor(known, 'customer_impact')?.detail).toMatch(/a strategic account/);
      // Same account (party) as the first ticket: linked both ways, still not degraded.
      expect(known.links).toEqual([strategic!.id]);
      const relinked = await waitFor(
        'first ticket back-link',
        (e) => e.id === strategic!.id && e.links.includes(known.id),
      );
      expect(relinked.version).toBe(strategic!.version + 1);
      expect(relinked.priority.degraded).toBe(false);

      // An account it has never looked up: scored without its context, degraded.
      const ticketId = await postTicket({
        org: ORG_GRANITE,
        orgName: 'Granite Peak Outfitters',
        title: 'Orders stuck in checkout',
      });
      const degraded = await waitFor('degraded ticket', ticketException(ticketId));
      expect(degraded.version).toBe(1);
      expect(degraded.priority.degraded).toBe(true);
      expect(factor(degraded, 'context_missing:account')).toEqual({
        code: 'context_missing:account',
        points: 0,
        detail: expect.stringMatching(
          new RegExp(
            `^No account context for ${ORG_GRANITE}: connector 'salesforce' .*re-scored when 'salesforce' answers again\\.$`,
          ),
        ),
      });
      expect(factor(degraded, 'context:account')).toBeUndefined();

      // Still down after a few rechecks: nothing is republished.
      await new Promise((r) => setTimeout(r, (RECHECK_SECONDS * 2 + 0.5) * 1000));
      expect(seen.filter((e) => e.id === degraded.id)).toHaveLength(1);

      // Down long enough for the Case poller to fail too: the connector's breaker is open, and a
      // ticket of a third account is scored without asking Salesforce at all.
      const runner = app.get(PollSchedulerService).runners.get('salesforce')!;
      const deadline = Date.now() + TIMEOUT_MS;
      while (rt.connectors.get('salesforce')!.check?.().ok !== false && Date.now() < deadline) {
        await runner.pollNow().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(rt.connectors.get('salesforce')!.check?.()).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/circuit breaker open/),
      });
      const goldId = await postTicket({
        org: ORG_LAKESIDE,
        orgName: 'Lakeside Cycle Co',
        title: 'Invoices show the wrong VAT rate',
      });
      const gold = await waitFor('second degraded ticket', ticketException(goldId));
      expect(gold.priority.degraded).toBe(true);
      expect(factor(gold, 'context_missing:account')?.detail).toMatch(
        new RegExp(`^No account context for ${ORG_LAKESIDE}: connector 'salesforce' `),
      );

      await sim.start();
      const backAt = Date.now();
      const recovered = await waitFor(
        're-scored ticket',
        (e) => e.id === degraded.id && e.version > degraded.version,
      );
      expect(recovered.version).toBe(2);
      expect(recovered.priority.degraded ?? false).toBe(false);
      expect(factor(recovered, 'context_missing:account')).toBeUndefined();
      expect(factor(recovered, 'context:account')?.detail).toBe(
        `Account ${ORG_GRANITE} from salesforce: tier strategic, ARR 1250000.00, renewal ${renewal}, 1 open escalation(s).`,
      );
      expect(recovered.priority.score).toBeGreaterThan(degraded.priority.score);
      // The recheck loop found it, within a few intervals of the simulator coming back (the
      // breaker's half-open probe included).
      expect(Date.now() - backAt).toBeLessThan(RECHECK_SECONDS * 1000 * 5);
      expect(await rescores(rt, degraded.id)).toEqual([
        expect.objectContaining({
          trigger: 'dependency_recovered',
          version: 2,
          degradedBefore: true,
          degraded: false,
        }),
      ]);
      expect(accountQueries()).toContainEqual(
        expect.stringContaining(`WHERE Zendesk_Organization_Id__c = '${ORG_GRANITE}'`),
      );
      // Every exception that waited for Salesforce is re-scored, each once.
      const goldBack = await waitFor(
        'second re-scored ticket',
        (e) => e.id === gold.id && e.version > 1,
      );
      expect(goldBack.version).toBe(2);
      expect(goldBack.priority.degraded ?? false).toBe(false);
      expect(factor(goldBack, 'context:account')?.detail).toMatch(
        new RegExp(`^Account ${ORG_LAKESIDE} from salesforce: tier gold, ARR 180000\\.00`),
      );
      expect(goldBack.priority.score).toBeGreaterThan(gold.priority.score);
      await new Promise((r) => setTimeout(r, (RECHECK_SECONDS * 2 + 0.5) * 1000));
      await drain();
      expect(seen.filter((e) => e.id === degraded.id).map((e) => e.version)).toEqual([1, 2]);
      expect(seen.filter((e) => e.id === gold.id).map((e) => e.version)).toEqual([1, 2]);
    }, 60_000);
  },
);
