/**
 * Zendesk: the webhook body a ticket trigger posts (the JSON body connectors/zendesk/README.md
 * suggests: ticket fields as placeholders render them, the organization and the custom fields),
 * signed the way Zendesk signs (connectors/zendesk: signZendeskPayload, X-Zendesk-Webhook-Signature
 * over timestamp + body) with the webhook's signing secret from ZENDESK_WEBHOOK_SECRET. The
 * invocation id is derived from the ticket, so sending the same seed again is a duplicate.
 */
import { createHash } from 'node:crypto';
import { signZendeskPayload } from '@exhub/connectors/zendesk';
import {
  ZENDESK_INVOCATION_ID_HEADER,
  ZENDESK_SIGNATURE_HEADER,
  ZENDESK_TIMESTAMP_HEADER,
  ZENDESK_WEBHOOK_OBJECT_TYPE,
} from '@exhub/connectors/zendesk';
import { amountText, contactName, runDigits, supportAccount } from '../support-accounts';
import { SimulateError, type EventKind, type GenContext, type SimDriver } from '../types';
import { ingestUrl, postWebhook } from './webhook';
import { MS_PER_HOUR } from '@exhub/core';

export const ZENDESK_SECRET_ENV = 'ZENDESK_WEBHOOK_SECRET';
const SUBDOMAIN = 'acme';
const AGENTS = ['Lena Fischer', 'Tom Becker', 'Sofia Marino', 'Kwame Mensah', 'Unassigned'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** `{{ticket.created_at}}` as a trigger renders it: `November 22, 2026`. */
const placeholderDate = (d: Date) =>
  `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const SLA_SUBJECTS = [
  'Dashboard exports failing since this morning',
  'SSO login loops back to the sign-in page',
  'API requests time out for our EU tenant',
  'Scheduled reports not delivered',
  'Cannot add new users to our workspace',
];
const BILLING_SUBJECTS: readonly [string, string][] = [
  [
    'Charged twice for invoice {inv}',
    'We were billed twice for {amount}; please refund the duplicate.',
  ],
  [
    'Invoice {inv} does not match our contract',
    'The invoice shows {amount} but our order form says less.',
  ],
  [
    'Disputing renewal charge on {inv}',
    'We did not agree to the uplift: {amount} was charged at renewal.',
  ],
  [
    'Refund for cancelled seats missing',
    'Seats cancelled last month are still on {inv} ({amount}).',
  ],
];
const RENEWAL_SUBJECTS = [
  'Renewal blocked until the outage credits are settled',
  'Executive escalation: renewal at risk after repeated incidents',
  'Contract renewal on hold, open billing questions',
];

interface Ticket {
  title: string;
  description: string;
  status: string;
  priority: string;
  type: string;
  tags: string[];
  createdHoursAgo: number;
  invoice?: string;
  subscription?: string;
  payment?: string;
}

function body(ctx: GenContext, t: Ticket): string {
  const { rng } = ctx;
  const account = supportAccount(ctx.party);
  const ticketId = `5${runDigits(ctx.runId)}${String(ctx.seq).padStart(5, '0')}`;
  const created = new Date(ctx.now.getTime() - t.createdHoursAgo * MS_PER_HOUR);
  const link = `https://${SUBDOMAIN}.zendesk.com/agent/tickets/${ticketId}`;
  const requester = contactName(rng);
  return `${JSON.stringify(
    {
      ticket_id: ticketId,
      ticket_title: t.title,
      ticket_description: `----------------------------------------------\n\n${requester}, ${placeholderDate(created)}\n\n${t.description}`,
      ticket_url: `${SUBDOMAIN}.zendesk.com/agent/tickets/${ticketId}`,
      ticket_status: t.status,
      ticket_priority: t.priority,
      ticket_type: t.type,
      requester_full_name: requester,
      requester_id: `39${rng.digits(9)}`,
      assignee_full_name: rng.pick(AGENTS),
      organization_id: account.zendeskOrgId,
      organization_name: account.name,
      created_at: placeholderDate(created),
      updated_at: placeholderDate(ctx.now),
      updated_at_with_timestamp: isoSeconds(ctx.now),
      tags: t.tags.join(' '),
      link,
      invoice_number: t.invoice ?? '',
      subscription_id: t.subscription ?? '',
      payment_id: t.payment ?? '',
    },
    null,
    2,
  )}\n`;
}

const kind = (
  description: string,
  produces: EventKind['produces'],
  ticket: (ctx: GenContext) => Ticket,
): EventKind => ({
  description,
  produces,
  withoutAmount: true,
  generate: (ctx) => ({ objectType: ZENDESK_WEBHOOK_OBJECT_TYPE, body: body(ctx, ticket(ctx)) }),
});

const invoiceNumber = (ctx: GenContext) => `INV-${ctx.rng.digits(6)}`;

export const zendeskDriver: SimDriver = {
  id: 'zendesk',
  system: 'zendesk',
  contentType: 'application/json',
  describe: `webhook POST /v1/ingest/zendesk, X-Zendesk-Webhook-Signature with ${ZENDESK_SECRET_ENV}`,
  kinds: {
    sla_breach_risk: kind(
      'a ticket whose SLA is at risk or breached (tags sla_at_risk / sla_breached set by an SLA automation)',
      ['sla_breach_risk'],
      (ctx) => {
        const breached = ctx.rng.chance(0.35);
        return {
          title: ctx.rng.pick(SLA_SUBJECTS),
          description: 'Our team is blocked; we need an update as soon as possible.',
          status: ctx.rng.pick(['Open', 'Open', 'New', 'Pending']),
          priority: ctx.rng.pick(['High', 'High', 'Normal']),
          type: ctx.rng.pick(['Incident', 'Problem', 'Question']),
          tags: [
            breached ? 'sla_breached' : 'sla_at_risk',
            'product',
            `plan_${ctx.rng.pick(['pro', 'enterprise'])}`,
          ],
          createdHoursAgo: ctx.rng.int(2, 30),
        };
      },
    ),
    billing_dispute: kind(
      'a billing ticket: double charge, invoice not matching the contract, renewal uplift disputed (tag billing)',
      ['billing_dispute'],
      (ctx) => {
        const inv = invoiceNumber(ctx);
        const amount = amountText(ctx.amount.value, ctx.amount.currency);
        const [title, text] = ctx.rng.pick(BILLING_SUBJECTS);
        const fill = (s: string) => s.replace('{inv}', inv).replace('{amount}', amount);
        return {
          title: fill(title),
          description: fill(text),
          status: ctx.rng.pick(['Open', 'New']),
          priority: ctx.rng.pick(['High', 'Normal']),
          type: 'Problem',
          tags: ['billing', 'billing_dispute', ctx.rng.chance(0.5) ? 'renewal' : 'invoice'],
          createdHoursAgo: ctx.rng.int(1, 48),
          invoice: inv,
          subscription: `sub_${ctx.rng.alnum(24)}`,
          payment: ctx.rng.chance(0.6) ? `pi_${ctx.rng.alnum(24)}` : undefined,
        };
      },
    ),
    renewal_escalation: kind(
      'an urgent ticket from an account whose renewal is at risk (priority Urgent, tag escalated)',
      ['escalation'],
      (ctx) => ({
        title: ctx.rng.pick(RENEWAL_SUBJECTS),
        description: `Renewal worth ${amountText(ctx.amount.value, ctx.amount.currency)} is on hold until this is resolved.`,
        status: 'Open',
        priority: 'Urgent',
        type: 'Problem',
        tags: ['escalated', 'renewal', 'exec_sponsor'],
        createdHoursAgo: ctx.rng.int(1, 12),
      }),
    ),
  },
  async connect({ hubUrl, env, timeoutMs }) {
    const secret = env[ZENDESK_SECRET_ENV];
    if (!secret) {
      throw new SimulateError(
        `${ZENDESK_SECRET_ENV} is not set: the zendesk driver signs webhooks with the signing secret of the hub's zendesk instance; set it to the value the hub has`,
      );
    }
    const url = ingestUrl(hubUrl, this.id);
    return {
      target: url,
      deliver: (p) => {
        const timestamp = isoSeconds(new Date());
        const ticketId = (JSON.parse(p.body) as { ticket_id: string }).ticket_id;
        // Zendesk's invocation ids are numeric; one per ticket event, the same on a resend.
        const invocation = String(
          createHash('sha256').update(`zendesk:${ticketId}`).digest().readUIntBE(0, 6),
        );
        return postWebhook(
          url,
          p.body,
          {
            'content-type': p.contentType,
            [ZENDESK_SIGNATURE_HEADER]: signZendeskPayload(Buffer.from(p.body), secret, timestamp),
            [ZENDESK_TIMESTAMP_HEADER]: timestamp,
            [ZENDESK_INVOCATION_ID_HEADER]: invocation,
          },
          timeoutMs,
        );
      },
    };
  },
};
