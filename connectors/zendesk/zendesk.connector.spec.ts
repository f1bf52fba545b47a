import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractConfigReference, generateConfigReference } from '@exhub/connector-sdk';
import type { ConfigSchema } from '@exhub/connector-sdk';
import { runWebhookContract } from '../../libs/connector-sdk/testing';
import { AuthError } from '@exhub/core';
import { fixtureWebhookBody, signedWebhook } from './testing';
import webhookSchema from './zendesk.config.schema.json';
import { ZendeskWebhookConnector } from './zendesk.connector';
import { ZENDESK_DEFAULT_TOLERANCE_SECONDS } from './zendesk.constants';
import { ZendeskSignatureError } from './zendesk.signature';

const SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
const PREVIOUS = 'cHJldmlvdXNfc2VjcmV0X2Zvcl9yb3RhdGlvbg==';
const AT = new Date('2026-03-02T15:40:12Z');
const NOW = AT.getTime();
const body = fixtureWebhookBody();

const connector = new ZendeskWebhookConnector({ id: 'zendesk', secrets: [SECRET, PREVIOUS] });

runWebhookContract('zendesk', () => ({
  connector: new ZendeskWebhookConnector({ id: 'zendesk', secrets: [SECRET, PREVIOUS] }),
  secrets: [SECRET, PREVIOUS],
  toleranceSeconds: ZENDESK_DEFAULT_TOLERANCE_SECONDS,
  validBody: body,
  sign: (rawBody, secret, now) => ({
    ...signedWebhook(rawBody, secret, new Date(now)),
    'x-zendesk-webhook-invocation-id': '8350205582',
  }),
  signatureHeader: 'x-zendesk-webhook-signature',
  expected: { objectType: 'ticket_webhook', sourceEventId: '8350205582' },
  invalidBody: { body: Buffer.from('{"ticket_title":"x"}'), pointer: '/ticket_id' },
}));

function reason(headers: Record<string, string | string[]>, raw = body, now = NOW): string {
  try {
    connector.verify({ rawBody: raw, headers, now });
  } catch (err) {
    expect(err).toBeInstanceOf(ZendeskSignatureError);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).not.toContain(SECRET);
    return (err as ZendeskSignatureError).reason;
  }
  return 'accepted';
}

describe('Zendesk webhook connector', () => {
  it('signs as Zendesk documents it: base64(HMAC-SHA256(secret, timestamp + body))', () => {
    const headers = signedWebhook(body, SECRET, AT);
    const expected = createHmac('sha256', SECRET)
      .update(`2026-03-02T15:40:12Z${body.toString('utf8')}`)
      .digest('base64');
    expect(headers['x-zendesk-webhook-signature']).toBe(expected);
    expect(headers['x-zendesk-webhook-signature-timestamp']).toBe('2026-03-02T15:40:12Z');
    expect(reason(headers)).toBe('accepted');
  });

  it('accepts the previous secret during a rotation, and refuses one it does not hold', () => {
    expect(reason(signedWebhook(body, PREVIOUS, AT))).toBe('accepted');
    expect(reason(signedWebhook(body, 'c29tZW9uZV9lbHNl', AT))).toBe('signature_mismatch');
  });

  it('refuses a body changed after signing', () => {
    const headers = signedWebhook(body, SECRET, AT);
    expect(reason(headers, Buffer.from(body.toString('utf8').replace('"7"', '"8"')))).toBe(
      'signature_mismatch',
    );
  });

  it('refuses a signature made over another timestamp than the one sent', () => {
    const headers = signedWebhook(body, SECRET, AT);
    headers['x-zendesk-webhook-signature-timestamp'] = '2026-03-02T15:40:13Z';
    expect(reason(headers)).toBe('signature_mismatch');
  });

  it.each([
    ['no signature', {}, 'missing_signature'],
    ['no timestamp', { 'x-zendesk-webhook-signature': 'YWJj' }, 'malformed_signature'],
    [
      'a timestamp that is no date',
      { 'x-zendesk-webhook-signature': 'YWJj', 'x-zendesk-webhook-signature-timestamp': 'soon' },
      'malformed_signature',
    ],
    [
      'a signature that is not base64',
      {
        'x-zendesk-webhook-signature': 'not base64!',
        'x-zendesk-webhook-signature-timestamp': '2026-03-02T15:40:12Z',
      },
      'malformed_signature',
    ],
    [
      'the signature twice',
      {
        'x-zendesk-webhook-signature': ['YWJj', 'YWJj'],
        'x-zendesk-webhook-signature-timestamp': '2026-03-02T15:40:12Z',
      },
      'malformed_signature',
    ],
  ])('refuses %s', (_name, headers, expected) => {
    expect(reason(headers as Record<string, string>)).toBe(expected);
  });

  it('checks the timestamp window both ways (default 300 s), after the signature', () => {
    const headers = signedWebhook(body, SECRET, AT);
    expect(reason(headers, body, NOW + 300_000)).toBe('accepted');
    expect(reason(headers, body, NOW + 301_000)).toBe('stale_timestamp');
    expect(reason(headers, body, NOW - 301_000)).toBe('future_timestamp');
    expect(() => connector.verify({ rawBody: body, headers, now: NOW + 3_600_000 })).toThrow(
      /^the X-Zendesk-Webhook-Signature-Timestamp is 3600 s old; tolerance is 300 s/,
    );
  });

  it('parses the trigger body as a ticket_webhook, with the invocation id for dedupe', () => {
    const parsed = connector.parse({
      rawBody: body,
      headers: { 'x-zendesk-webhook-invocation-id': '8350205582' },
      now: NOW,
    });
    expect(parsed).toMatchObject({
      objectType: 'ticket_webhook',
      sourceEventId: '8350205582',
      payload: { ticket_id: '7', ticket_priority: 'Normal' },
    });
  });

  it('parses an event-subscription webhook (zen:event-type:ticket.*) as a ticket_event, with its event id', () => {
    const event = readFileSync(join(__dirname, 'fixtures/event-ticket-priority-changed.json'));
    expect(connector.parse({ rawBody: event, headers: {}, now: NOW })).toMatchObject({
      objectType: 'ticket_event',
      sourceEventId: 'cbe4028c-7239-495d-b020-f22348516046',
      payload: { type: 'zen:event-type:ticket.priority_changed', detail: { id: '35437' } },
    });
  });

  it('refuses an event that is not about a ticket, or a ticket event without detail.id, naming the pointer', () => {
    const parse = (body: object) =>
      connector.parse({ rawBody: Buffer.from(JSON.stringify(body)), headers: {}, now: NOW });
    expect(() => parse({ type: 'zen:event-type:user.created', id: 'e', detail: {} })).toThrow(
      /not a ticket event — subscribe the webhook to zen:event-type:ticket\.\* events only/,
    );
    expect(() => parse({ type: 'zen:event-type:ticket.created', id: 'e', detail: {} })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ pointer: '/detail/id' })] }),
    );
  });

  it('refuses a body without ticket_id, saying which placeholder to add', () => {
    expect(() =>
      connector.parse({ rawBody: Buffer.from('{"ticket_title":"x"}'), headers: {}, now: NOW }),
    ).toThrow(/add "ticket_id": "\{\{ticket.id\}\}"/);
    expect(() => connector.parse({ rawBody: Buffer.from('[1]'), headers: {}, now: NOW })).toThrow(
      /must be a JSON object/,
    );
  });

  it('needs at least one resolved secret, and names an unresolved reference', () => {
    expect(() => new ZendeskWebhookConnector({ id: 'zd', secrets: [''] })).toThrow(
      /no signing secret — set secrets to \["\$\{ZENDESK_WEBHOOK_SECRET\}"\]/,
    );
    expect(
      () => new ZendeskWebhookConnector({ id: 'zd', secrets: ['${ZENDESK_WEBHOOK_SECRET}'] }),
    ).toThrow(/secrets\[0\] is the unresolved reference \$\{ZENDESK_WEBHOOK_SECRET\}/);
  });

  it('has a README whose webhook config table is generated from zendesk.config.schema.json', () => {
    const readme = readFileSync(join(__dirname, 'README.md'), 'utf8');
    const block = extractConfigReference(readme.split(/^## Export settings$/m)[0]);
    expect(block).toBe(generateConfigReference(webhookSchema as unknown as ConfigSchema));
  });
});
