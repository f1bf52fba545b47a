/**
 * Stripe: webhook events as Stripe sends them (an Event wrapping the object), signed with
 * `Stripe-Signature` the way Stripe signs (connectors/stripe: signStripePayload), with the
 * endpoint secret from STRIPE_WEBHOOK_SECRET.
 */
import { signStripePayload } from '@exhub/connectors/stripe';
import { STRIPE_SIGNATURE_HEADER } from '@exhub/connectors/stripe';
import type { Rng } from '../prng';
import { SimulateError, type EventKind, type GenContext, type SimDriver } from '../types';
import { ingestUrl, postWebhook } from './webhook';

export const STRIPE_SECRET_ENV = 'STRIPE_WEBHOOK_SECRET';
const API_VERSION = '2026-04-22.dahlia';
const SECONDS = 1000;

const DISPUTE_REASONS: readonly [string, string, number][] = [
  // reason, Visa reason code, weight
  ['fraudulent', '10.4', 30],
  ['product_not_received', '13.1', 25],
  ['subscription_canceled', '13.2', 15],
  ['duplicate', '12.6.1', 10],
  ['product_unacceptable', '13.3', 10],
  ['credit_not_processed', '13.6', 10],
];
const DECLINES: readonly [string, string, string, string, number][] = [
  // failure_code, decline code (outcome.reason), network decline code, advice, weight
  ['card_declined', 'insufficient_funds', '51', 'try_again_later', 35],
  ['card_declined', 'generic_decline', '05', 'try_again_later', 25],
  ['card_declined', 'do_not_honor', '05', 'do_not_try_again', 15],
  ['expired_card', 'expired_card', '54', 'do_not_try_again', 15],
  ['card_declined', 'card_velocity_exceeded', '61', 'try_again_later', 10],
];
const BRANDS = ['visa', 'visa', 'mastercard', 'amex'];

const unix = (d: Date) => Math.floor(d.getTime() / SECONDS);
const id = (rng: Rng, prefix: string) => `${prefix}_${rng.alnum(24)}`;

function event(ctx: GenContext, type: string, object: Record<string, unknown>): string {
  return `${JSON.stringify(
    {
      id: id(ctx.rng, 'evt'),
      object: 'event',
      api_version: API_VERSION,
      created: unix(ctx.now),
      data: { object },
      livemode: true,
      pending_webhooks: 1,
      request: { id: `req_${ctx.rng.alnum(14)}`, idempotency_key: null },
      type,
    },
    null,
    2,
  )}\n`;
}

const dispute: EventKind = {
  description: 'charge.dispute.created: a cardholder disputes a payment (chargeback)',
  produces: ['chargeback_dispute'],
  generate(ctx) {
    const { rng, amount } = ctx;
    const [reason, networkCode] = rng.weighted(DISPUTE_REASONS, (r) => r[2]);
    const disputeId = id(rng, 'du');
    const created = unix(ctx.now) - rng.int(0, 3600);
    return {
      objectType: 'event',
      body: event(ctx, 'charge.dispute.created', {
        id: disputeId,
        object: 'dispute',
        amount: amount.minor,
        balance_transactions: [],
        charge: id(rng, 'ch'),
        created,
        currency: amount.currency.toLowerCase(),
        evidence: { customer_name: ctx.party.name, customer_email_address: null },
        evidence_details: {
          due_by: unix(ctx.dueAt),
          has_evidence: false,
          past_due: ctx.dueAt < ctx.now,
          submission_count: 0,
        },
        is_charge_refundable: rng.chance(0.3),
        livemode: true,
        metadata: {},
        payment_intent: id(rng, 'pi'),
        payment_method_details: {
          card: {
            brand: rng.pick(BRANDS),
            case_type: rng.chance(0.85) ? 'chargeback' : 'inquiry',
            network_reason_code: networkCode,
          },
          type: 'card',
        },
        reason,
        status: 'needs_response',
      }),
    };
  },
};

const chargeFailed: EventKind = {
  description: 'charge.failed: a card payment is declined',
  produces: ['payment_failure'],
  generate(ctx) {
    const { rng, amount } = ctx;
    const [failure, decline, network, advice] = rng.weighted(DECLINES, (d) => d[4]);
    return {
      objectType: 'event',
      body: event(ctx, 'charge.failed', {
        id: id(rng, 'ch'),
        object: 'charge',
        amount: amount.minor,
        amount_captured: 0,
        amount_refunded: 0,
        billing_details: { name: ctx.party.name },
        captured: false,
        created: unix(ctx.now),
        currency: amount.currency.toLowerCase(),
        customer: ctx.party.id,
        disputed: false,
        failure_code: failure,
        failure_message:
          failure === 'expired_card' ? 'Your card has expired.' : 'Your card was declined.',
        livemode: true,
        outcome: {
          advice_code: advice,
          network_decline_code: network,
          network_status: 'declined_by_network',
          reason: decline,
          risk_level: 'normal',
          risk_score: rng.int(2, 60),
          seller_message: 'The bank did not return any further details with this decline.',
          type: 'issuer_declined',
        },
        paid: false,
        payment_intent: id(rng, 'pi'),
        payment_method_details: { card: { brand: rng.pick(BRANDS) }, type: 'card' },
        refunded: false,
        status: 'failed',
      }),
    };
  },
};

const invoicePaymentFailed: EventKind = {
  description: 'invoice.payment_failed: a subscription invoice (renewal) cannot be collected',
  produces: ['payment_failure'],
  generate(ctx) {
    const { rng, amount } = ctx;
    const invoiceId = id(rng, 'in');
    const subscription = id(rng, 'sub');
    const renewal = rng.chance(0.6);
    return {
      objectType: 'event',
      body: event(ctx, 'invoice.payment_failed', {
        id: invoiceId,
        object: 'invoice',
        amount_due: amount.minor,
        amount_paid: 0,
        amount_remaining: amount.minor,
        attempt_count: rng.int(1, 4),
        attempted: true,
        billing_reason: renewal ? 'subscription_cycle' : 'subscription_update',
        collection_method: rng.chance(0.7) ? 'charge_automatically' : 'send_invoice',
        created: unix(ctx.now) - 86400,
        currency: amount.currency.toLowerCase(),
        customer: ctx.party.id,
        customer_name: ctx.party.name,
        due_date: unix(ctx.dueAt),
        livemode: true,
        next_payment_attempt: unix(ctx.now) + 3 * 86400,
        number: `${rng.alnum(8).toUpperCase()}-${rng.digits(4)}`,
        parent: { type: 'subscription_details', subscription_details: { subscription } },
        status: 'open',
      }),
    };
  },
};

export const stripeDriver: SimDriver = {
  id: 'stripe',
  system: 'stripe',
  contentType: 'application/json',
  describe: `webhook POST /v1/ingest/stripe, Stripe-Signature with ${STRIPE_SECRET_ENV}`,
  kinds: {
    dispute,
    charge_failed: chargeFailed,
    invoice_payment_failed: invoicePaymentFailed,
  },
  async connect({ hubUrl, env, timeoutMs }) {
    const secret = env[STRIPE_SECRET_ENV];
    if (!secret) {
      throw new SimulateError(
        `${STRIPE_SECRET_ENV} is not set: the stripe driver signs events with the hub's Stripe endpoint secret; set it to the value the hub has`,
      );
    }
    const url = ingestUrl(hubUrl, this.id);
    return {
      target: url,
      deliver: (p) =>
        postWebhook(
          url,
          p.body,
          {
            'content-type': p.contentType,
            [STRIPE_SIGNATURE_HEADER]: signStripePayload(
              Buffer.from(p.body),
              secret,
              Math.floor(Date.now() / SECONDS),
            ),
          },
          timeoutMs,
        ),
    };
  },
};
