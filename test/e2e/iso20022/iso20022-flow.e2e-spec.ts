import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as amqp from 'amqplib';
import pino from 'pino';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { validateCanonicalException, type CanonicalException } from '@exhub/canonical';
import { Secret, loadEnvSettings } from '@exhub/config';
import { signHmacPayload } from '@exhub/connector-sdk';
import { deleteTopology } from '@exhub/messaging';
import { AMQP_URL, subscribe, take } from '../hub/hub-harness';

/**
 * ISO 20022 XML through the in-process hub and a real broker: signed webhook → exhub.ingress →
 * pipeline (the same safe XML parser) → mappings/iso20022 → exhub.exceptions.
 */
const SECRET = `iso20022-e2e-${randomBytes(16).toString('hex')}`;
const fixture = (name: string): Buffer =>
  readFileSync(join(__dirname, '../../../connectors/iso20022/fixtures', name));
const QUIET_MS = 1500;

function signed(body: Buffer, contentType = 'application/xml'): Record<string, string> {
  return {
    'content-type': contentType,
    'x-exhub-signature': signHmacPayload(body, SECRET, Math.floor(Date.now() / 1000)),
  };
}

describe('ISO 20022 webhook → RabbitMQ → canonical exceptions (real broker)', () => {
  let app: NestFastifyApplication;
  let rt: HubRuntime;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let finance: string;
  let ingressTap: string;
  const dropFolder = mkdtempSync(join(tmpdir(), 'exhub-iso20022-drop-'));

  async function post(body: Buffer | string, headers: Record<string, string>) {
    const r = await app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'POST', url: '/v1/ingest/bank', payload: body, headers });
    return { status: r.statusCode, json: JSON.parse(r.body) as Record<string, unknown> };
  }
  const ingressCount = async () => (await channel.checkQueue(ingressTap)).messageCount;

  beforeAll(async () => {
    const env = loadEnvSettings({
      ...process.env,
      AMQP_URL,
      EXHUB_TOPOLOGY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      // One store per run: message ids remembered by earlier runs must not make these duplicates.
      EXHUB_STORE_URL: 'sqlite::memory:',
    });
    rt = await createRuntime(env, 'e2e', {
      logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
      connectors: [
        {
          id: 'bank',
          type: 'iso20022',
          enabled: true,
          settings: { secrets: [new Secret(SECRET, 'test')], toleranceSeconds: 300, dropFolder },
        },
      ],
    });
    app = await createHubApp(rt);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
    finance = await subscribe(channel, rt.topology.names.exceptions, 'finance.#');
    ingressTap = await subscribe(channel, rt.topology.names.ingress, '');
  });

  afterAll(async () => {
    await app?.close();
    if (client) {
      const ch = await client.createChannel();
      await deleteTopology(ch, rt.topology);
      await ch.close().catch(() => undefined);
      await client.close().catch(() => undefined);
    }
    rmSync(dropFolder, { recursive: true, force: true });
  });

  it('a signed pain.002 with 2 of 3 transactions rejected → exactly 2 valid payment_failure exceptions', async () => {
    const body = fixture('pain.002-partially-accepted.xml');
    const res = await post(body, signed(body));
    expect(res.status).toBe(202);
    expect(res.json).toEqual({
      eventId: expect.any(String),
      correlationId: 'PAY-RUN-2026-05-14-01',
    });

    const messages = await take(channel, finance, 2);
    expect(messages).toHaveLength(2);
    const exceptions = messages.map(
      (m) => JSON.parse(m.content.toString('utf8')) as CanonicalException,
    );
    for (const [i, e] of exceptions.entries()) {
      expect(validateCanonicalException(e)).toEqual({ ok: true, value: e });
      expect(e.type).toBe('payment_failure');
      expect(e.correlationId).toBe('PAY-RUN-2026-05-14-01');
      expect(e.causationId).toBe(res.json.eventId);
      expect(e.source).toMatchObject({
        system: 'iso20022',
        connector: 'bank',
        objectType: 'payment_transaction',
        eventId: 'STS-20260514-000731',
      });
      expect(e.lineage.mapping.id).toBe('iso20022.pain002-rejected-transaction');
      expect(messages[i].fields.routingKey).toBe(`finance.payment_failure.${e.priority.tier}`);
    }
    const byCode = Object.fromEntries(exceptions.map((e) => [e.signals?.reasonCode, e]));
    expect(Object.keys(byCode).sort()).toEqual(['AC04', 'AM04']);
    expect(byCode.AC04.title).toBe(
      'Payment rejected by the bank: closed account number (AC04), EUR 48000.00 to Bauer & Söhne Logistik GmbH',
    );
    expect(byCode.AC04.amount).toEqual({ value: '48000.00', currency: 'EUR' });
    expect(byCode.AC04.references?.bankTransaction).toBe('E2E-INV-2026-04488');
    expect(byCode.AM04.signals?.reasonText).toBe('insufficient funds');
    expect(byCode.AM04.summary).toContain('Reason AM04: insufficient funds.');
    expect(new Set(exceptions.map((e) => e.id)).size).toBe(2);

    // The accepted third transaction produces nothing.
    await new Promise((r) => setTimeout(r, QUIET_MS));
    expect((await channel.checkQueue(finance)).messageCount).toBe(0);
  });

  it('an XXE payload → 400 naming the DOCTYPE, nothing published', async () => {
    const before = await ingressCount();
    const body = Buffer.from(
      '<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>' +
        '<GrpHdr><MsgId>&xxe;</MsgId></GrpHdr></CstmrPmtStsRpt></Document>',
    );
    const res = await post(body, signed(body));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toMatch(/<!DOCTYPE declaration, which is refused/);
    expect(JSON.stringify(res.json)).not.toContain('root:x:0:0');
    await new Promise((r) => setTimeout(r, 300));
    expect(await ingressCount()).toBe(before);
  });

  it('refuses JSON for an XML connector (415) and an unsigned body (401), publishing nothing', async () => {
    const before = await ingressCount();
    const body = fixture('pain.002-accepted.xml');
    const json = await post(body, signed(body, 'application/json'));
    expect(json.status).toBe(415);
    expect(JSON.stringify(json.json)).toContain('content type must be application/xml or text/xml');
    const unsigned = await post(body, { 'content-type': 'text/xml' });
    expect(unsigned.status).toBe(401);
    expect(JSON.stringify(unsigned.json)).toContain('X-Exhub-Signature');
    expect(await ingressCount()).toBe(before);
  });

  it('a camt.054 with a returned entry → reconciliation_break (text/xml accepted too)', async () => {
    const body = fixture('camt.054-returned-and-unmatched.xml');
    const res = await post(body, signed(body, 'text/xml; charset=utf-8'));
    expect(res.status).toBe(202);
    const messages = await take(channel, finance, 2);
    expect(messages).toHaveLength(2);
    const exceptions = messages.map(
      (m) => JSON.parse(m.content.toString('utf8')) as CanonicalException,
    );
    for (const e of exceptions) {
      expect(validateCanonicalException(e)).toEqual({ ok: true, value: e });
      expect(e.type).toBe('reconciliation_break');
    }
    const returned = exceptions.find((e) => e.signals?.breakKind === 'returned');
    expect(returned).toMatchObject({
      title: 'Returned payment: incorrect account number (AC01), EUR 5400.00',
      // The entry: account / booking date / bank reference / amount (two entries sharing only
      // the bank's reference are two exceptions).
      source: {
        objectType: 'bank_entry',
        objectId: 'DE89370400440532013000/2026-05-16/NB2026051600017733/5400.00 EUR',
      },
      signals: { reasonCode: 'AC01' },
      references: { bankTransaction: 'E2E-INV-2026-04390' },
    });
    expect(exceptions.find((e) => e.signals?.breakKind === 'unmatched')?.amount).toEqual({
      value: '7312.40',
      currency: 'EUR',
    });
    await new Promise((r) => setTimeout(r, QUIET_MS));
    expect((await channel.checkQueue(finance)).messageCount).toBe(0);
  });

  it('a pending entry repeated intraday raises nothing; once booked, exactly one reconciliation_break', async () => {
    // One unreferenced credit: announced pending (Sts PDNG) in two intraday camt.054, then booked.
    const camt054 = (msgId: string, status: string, bookingDate?: string) =>
      Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>${msgId}</MsgId><CreDtTm>2026-06-02T09:00:00+02:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>${msgId}-1</Id>
      <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ownr><Nm>Acme</Nm></Ownr></Acct>
      <Ntry>
        <NtryRef>0602-77</NtryRef>
        <Amt Ccy="EUR">830.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>${status}</Cd></Sts>
        ${bookingDate ? `<BookgDt><Dt>${bookingDate}</Dt></BookgDt>` : ''}
        <ValDt><Dt>2026-06-03</Dt></ValDt>
        <AcctSvcrRef>NB2026060200077</AcctSvcrRef>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>`,
      );
    for (const pending of [camt054('NTF-PDNG-1', 'PDNG'), camt054('NTF-PDNG-2', 'PDNG')]) {
      const res = await post(pending, signed(pending));
      expect(res.status).toBe(202);
    }
    await new Promise((r) => setTimeout(r, QUIET_MS));
    expect((await channel.checkQueue(finance)).messageCount).toBe(0);

    const booked = camt054('NTF-BOOK-1', 'BOOK', '2026-06-03');
    expect((await post(booked, signed(booked))).status).toBe(202);
    const [message] = await take(channel, finance, 1);
    const e = JSON.parse(message.content.toString('utf8')) as CanonicalException;
    expect(validateCanonicalException(e)).toEqual({ ok: true, value: e });
    expect(e).toMatchObject({
      type: 'reconciliation_break',
      source: {
        objectType: 'bank_entry',
        objectId: 'DE89370400440532013000/2026-06-03/NB2026060200077/830.00 EUR',
        eventId: 'NTF-BOOK-1',
      },
      signals: { breakKind: 'unmatched', entryStatus: 'BOOK' },
    });
    await new Promise((r) => setTimeout(r, QUIET_MS));
    expect((await channel.checkQueue(finance)).messageCount).toBe(0);
  });

  it('a camt.053 dropped into the folder → 2 reconciliation_break, file moved to processed/', async () => {
    writeFileSync(join(dropFolder, 'statement.xml'), fixture('camt.053-statement.xml'));
    const messages = await take(channel, finance, 2);
    expect(messages).toHaveLength(2);
    const exceptions = messages.map(
      (m) => JSON.parse(m.content.toString('utf8')) as CanonicalException,
    );
    for (const e of exceptions) {
      expect(validateCanonicalException(e)).toEqual({ ok: true, value: e });
      expect(e).toMatchObject({
        type: 'reconciliation_break',
        correlationId: 'STMT-20260517-000093',
        source: { connector: 'bank', eventId: 'STMT-20260517-000093' },
      });
    }
    expect(exceptions.map((e) => e.signals?.reasonCode ?? e.signals?.breakKind).sort()).toEqual([
      'MD06',
      'unmatched',
    ]);
    await until(() => existsSync(join(dropFolder, 'processed', 'statement.xml')));
    await new Promise((r) => setTimeout(r, QUIET_MS));
    expect((await channel.checkQueue(finance)).messageCount).toBe(0);
  });

  it('an XXE file dropped into the folder → failed/ with the reason, nothing published', async () => {
    const before = await ingressCount();
    writeFileSync(
      join(dropFolder, 'xxe.xml'),
      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document>&x;</Document>',
    );
    const reason = join(dropFolder, 'failed', 'xxe.xml.reason.txt');
    await until(() => existsSync(reason));
    expect(readFileSync(reason, 'utf8')).toContain('<!DOCTYPE declaration, which is refused');
    expect(await ingressCount()).toBe(before);
  });

  it('a dropped file that is not UTF-8 → failed/ naming the byte offset, nothing published', async () => {
    const before = await ingressCount();
    const good = fixture('camt.053-statement.xml');
    const at = good.indexOf('<Document');
    writeFileSync(
      join(dropFolder, 'latin1.xml'),
      Buffer.concat([good.subarray(0, at), Buffer.from([0xe9]), good.subarray(at)]),
    );
    const reason = join(dropFolder, 'failed', 'latin1.xml.reason.txt');
    await until(() => existsSync(reason));
    expect(readFileSync(reason, 'utf8')).toContain(
      `not valid UTF-8: invalid byte sequence at byte offset ${at} (0xe9)`,
    );
    expect(await ingressCount()).toBe(before);
  });
});

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
