/**
 * A large bank statement through the BUILT hub: a generated camt.053 with 500 entries (a third
 * matched, a third returned direct debits, a third credits without any reference), signed and
 * posted to the ISO 20022 webhook as a bank's connectivity relay would. The reconciliation
 * mapping has `each` over the entries: each one gets its own time budget, so the statement must
 * come out as exactly one exception per returned or unmatched entry, under the default limits,
 * with nothing retried or dead-lettered. (It used to run out of one 250 ms budget per payload:
 * retried, then dead-lettered — a valid statement refused.)
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import type { CanonicalException } from '@exhub/canonical';
import { signHmacPayload } from '@exhub/connector-sdk';
import { buildTopology, deleteTopology } from '@exhub/messaging';
import { HubProcess } from '../../support/hub-process';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const SECRET = `iso20022-large-${randomBytes(16).toString('hex')}`;
const ENTRIES = 500;
/** Generous: the machine is shared, and 333 exceptions are stored, scored and published. */
const PROCESS_TIMEOUT_MS = 120_000;
const QUIET_MS = 2_000;

/** A camt.053.001.08 statement with `entries` entries; returns the XML and the breaks in it. */
function statementXml(entries: number, msgId: string): { xml: string; breaks: string[] } {
  const breaks: string[] = [];
  const ntries: string[] = [];
  for (let i = 0; i < entries; i++) {
    const n = String(i + 1).padStart(5, '0');
    const amount = `${100 + (i % 900)}.${String(i % 100).padStart(2, '0')}`;
    const ref = `NB20260517${n}`;
    const head =
      `<NtryRef>E-${n}</NtryRef><Amt Ccy="EUR">${amount}</Amt>` +
      `<CdtDbtInd>${i % 3 === 2 ? 'CRDT' : 'DBIT'}</CdtDbtInd>` +
      (i % 3 === 1 ? '<RvslInd>true</RvslInd>' : '') +
      '<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-05-17</Dt></BookgDt>' +
      `<ValDt><Dt>2026-05-17</Dt></ValDt><AcctSvcrRef>${ref}</AcctSvcrRef>`;
    const code = (family: string, sub: string) =>
      `<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>${family}</Cd><SubFmlyCd>${sub}</SubFmlyCd></Fmly></Domn></BkTxCd>`;
    if (i % 3 === 0) {
      ntries.push(
        `<Ntry>${head}${code('ICDT', 'ESCT')}<NtryDtls><TxDtls><Refs><EndToEndId>E2E-INV-${n}</EndToEndId></Refs>` +
          `<Amt Ccy="EUR">${amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><RmtInf><Ustrd>Invoice ${n}</Ustrd></RmtInf>` +
          '</TxDtls></NtryDtls></Ntry>',
      );
    } else if (i % 3 === 1) {
      breaks.push(`returned/${ref}`);
      ntries.push(
        `<Ntry>${head}${code('RDDT', 'UPDD')}<NtryDtls><TxDtls><Refs><EndToEndId>DD-${n}</EndToEndId></Refs>` +
          `<Amt Ccy="EUR">${amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd>` +
          `<RltdPties><Dbtr><Pty><Nm>Customer ${n}</Nm></Pty></Dbtr></RltdPties>` +
          `<RmtInf><Ustrd>Subscription ${n}</Ustrd></RmtInf><RtrInf><Rsn><Cd>MD06</Cd></Rsn></RtrInf>` +
          '</TxDtls></NtryDtls></Ntry>',
      );
    } else {
      breaks.push(`unmatched/${ref}`);
      ntries.push(
        `<Ntry>${head}${code('RCDT', 'ESCT')}<AddtlNtryInf>SEPA CREDIT TRANSFER</AddtlNtryInf></Ntry>`,
      );
    }
  }
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>' +
    `<GrpHdr><MsgId>${msgId}</MsgId><CreDtTm>2026-05-18T06:00:12+02:00</CreDtTm></GrpHdr>` +
    `<Stmt><Id>${msgId}-STMT</Id><ElctrncSeqNb>137</ElctrncSeqNb><CreDtTm>2026-05-18T06:00:12+02:00</CreDtTm>` +
    '<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy><Ownr><Nm>Acme Manufacturing GmbH</Nm></Ownr></Acct>' +
    `<TxsSummry><TtlNtries><NbOfNtries>${entries}</NbOfNtries></TtlNtries></TxsSummry>` +
    `${ntries.join('\n')}</Stmt></BkToCstmrStmt></Document>\n`;
  return { xml, breaks };
}

/** Sum of the series of `name` whose labels include `labels`, in a Prometheus text exposition. */
function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

describe('a 500-entry camt.053 through the signed ISO 20022 webhook of the built hub', () => {
  const prefix = `t-large-${randomBytes(4).toString('hex')}`;
  const topology = buildTopology({ prefix });
  let dir: string;
  let hub: HubProcess;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;
  let queue: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-large-statement-'));
    const config = join(dir, 'exhub.config.yaml');
    writeFileSync(
      config,
      [
        'connectors:',
        '  - id: bank',
        '    type: iso20022',
        '    settings:',
        '      secrets: ["${ISO20022_WEBHOOK_SECRET}"]',
        '',
      ].join('\n'),
    );
    hub = await HubProcess.start({
      prefix,
      amqpUrl: AMQP_URL,
      stripeSecret: `whsec_${randomBytes(16).toString('hex')}`,
      env: {
        EXHUB_CONFIG: config,
        ISO20022_WEBHOOK_SECRET: SECRET,
        EXHUB_STORE_URL: `sqlite:${join(dir, 'store.db')}`,
      },
    });
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
    queue = (await channel.assertQueue('', { exclusive: true, autoDelete: true })).queue;
    await channel.bindQueue(queue, topology.names.exceptions, 'finance.#');
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    if (client) {
      const ch = await client.createChannel();
      await deleteTopology(ch, topology).catch(() => undefined);
      await client.close().catch(() => undefined);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'publishes one exception per returned or unmatched entry; nothing retried or dead-lettered',
    async () => {
      const msgId = `STMT-LARGE-${randomBytes(4).toString('hex')}`;
      const { xml, breaks } = statementXml(ENTRIES, msgId);
      expect(breaks).toHaveLength(333);
      const body = Buffer.from(xml);
      const res = await fetch(`${hub.url}/v1/ingest/bank`, {
        method: 'POST',
        headers: {
          'content-type': 'application/xml',
          'x-exhub-signature': signHmacPayload(body, SECRET, Math.floor(Date.now() / 1000)),
        },
        body,
      });
      expect({ status: res.status, body: await res.json() }).toEqual({
        status: 202,
        body: { eventId: expect.any(String), correlationId: expect.any(String) },
      });

      // Every first publication (version 1); a later version only adds a link to a related one.
      const firsts = new Map<string, CanonicalException>();
      const deadline = Date.now() + PROCESS_TIMEOUT_MS;
      while (firsts.size < breaks.length && Date.now() < deadline) {
        const m = await channel.get(queue, { noAck: true });
        if (!m) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const e = JSON.parse(m.content.toString('utf8')) as CanonicalException;
        if (e.version === 1) firsts.set(e.id, e);
      }
      await new Promise((r) => setTimeout(r, QUIET_MS));
      for (
        let m = await channel.get(queue, { noAck: true });
        m;
        m = await channel.get(queue, { noAck: true })
      ) {
        const e = JSON.parse(m.content.toString('utf8')) as CanonicalException;
        expect({ id: e.id, again: e.version > 1 || !firsts.has(e.id) }).toEqual({
          id: e.id,
          again: e.version > 1,
        });
      }

      const got = [...firsts.values()]
        .map((e) => {
          const ref = e.source.objectId.split('/')[2];
          return `${e.signals?.breakKind as string}/${ref}`;
        })
        .sort();
      expect({ got: got.length, problems: hub.problems() }).toEqual({
        got: breaks.length,
        problems: hub.problems(),
      });
      expect(got).toEqual([...breaks].sort());
      for (const e of firsts.values()) {
        expect(e).toMatchObject({
          type: 'reconciliation_break',
          source: { system: 'iso20022', connector: 'bank' },
        });
      }

      // Mapped at the first attempt: no failure at any stage, nothing in the dead-letter queue.
      const metrics = await (await fetch(`${hub.url}/metrics`)).text();
      expect(metricValue(metrics, 'exhub_stage_failures_total')).toBe(0);
      expect(metricValue(metrics, 'exhub_stage_processed_total', { stage: 'total' })).toBe(1);
      expect((await channel.checkQueue(topology.names.dlq)).messageCount).toBe(0);
    },
    PROCESS_TIMEOUT_MS + 30_000,
  );
});

/**
 * A time-out is retried once, then dead-lettered with a reason a steward can act on. Forced here
 * with a per-item budget of 1 ms (EXHUB_MAPPING_TIMEOUT_MS) and, in a copy of the mappings, a
 * title expression that spends far longer than that on every item: the shipped expressions are
 * compiled and map an item in microseconds, so on a quiet machine they fit even 1 ms.
 */
describe('a mapping time-out in the built hub: one retry, then the dead-letter queue', () => {
  const prefix = `t-large-to-${randomBytes(4).toString('hex')}`;
  const topology = buildTopology({ prefix });
  let dir: string;
  let hub: HubProcess;
  let client: amqp.ChannelModel;
  let channel: amqp.Channel;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exhub-large-timeout-'));
    const config = join(dir, 'exhub.config.yaml');
    const mappings = join(dir, 'mappings');
    cpSync(join(__dirname, '../../../mappings'), mappings, { recursive: true });
    const camt053 = join(mappings, 'iso20022', 'camt053.mapping.yaml');
    const slowed = readFileSync(camt053, 'utf8').replace(
      '$m := $ccyAmount(amount);',
      // Interpreted by JSONata (a range has no compiled form): milliseconds for every item.
      '$slow := $sum([1..90000]); $m := $ccyAmount(amount);',
    );
    if (!slowed.includes('$slow')) throw new Error(`${camt053}: the title expression moved`);
    writeFileSync(camt053, slowed);
    writeFileSync(
      config,
      'connectors:\n  - id: bank\n    type: iso20022\n    settings:\n      secrets: ["${ISO20022_WEBHOOK_SECRET}"]\n',
    );
    hub = await HubProcess.start({
      prefix,
      amqpUrl: AMQP_URL,
      stripeSecret: `whsec_${randomBytes(16).toString('hex')}`,
      env: {
        EXHUB_CONFIG: config,
        EXHUB_MAPPINGS_DIR: mappings,
        ISO20022_WEBHOOK_SECRET: SECRET,
        EXHUB_STORE_URL: `sqlite:${join(dir, 'store.db')}`,
        EXHUB_MAPPING_TIMEOUT_MS: '1',
        EXHUB_RETRY_DELAYS: '200ms',
      },
    });
    client = await amqp.connect(AMQP_URL);
    channel = await client.createChannel();
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    if (client) {
      const ch = await client.createChannel();
      await deleteTopology(ch, topology).catch(() => undefined);
      await client.close().catch(() => undefined);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('dead-letters after 2 attempts, naming the mapping, the item and the limit to raise', async () => {
    const { xml } = statementXml(60, `STMT-TIMEOUT-${randomBytes(4).toString('hex')}`);
    const body = Buffer.from(xml);
    const res = await fetch(`${hub.url}/v1/ingest/bank`, {
      method: 'POST',
      headers: {
        'content-type': 'application/xml',
        'x-exhub-signature': signHmacPayload(body, SECRET, Math.floor(Date.now() / 1000)),
      },
      body,
    });
    expect(res.status).toBe(202);

    let dead: amqp.GetMessage | false = false;
    const deadline = Date.now() + 60_000;
    while (!dead && Date.now() < deadline) {
      dead = await channel.get(topology.names.dlq, { noAck: true });
      if (!dead) await new Promise((r) => setTimeout(r, 100));
    }
    if (!dead) console.log(`the hub's last lines:\n${hub.tail(20)}`);
    expect(dead).not.toBe(false);
    // Usually an item's field (`(item 1 of 40)`, the exact text is unit-tested in
    // libs/mapping each-budget.spec.ts); on a loaded machine `match` alone may use up the 1 ms.
    const headers = (dead as amqp.GetMessage).properties.headers ?? {};
    expect(Number(headers['x-exhub-attempts'])).toBe(2);
    expect(headers['x-exhub-error-stage']).toBe('map');
    expect(String(headers['x-exhub-error-message'])).toMatch(
      /^gave up after 2 attempts: mapping iso20022\.camt053[\w.-]* (fields\.[\w.]+|each|match) \((?:[^()]*\/)?mappings\/iso20022\/camt053[\w-]*\.mapping\.yaml:\d+:\d+\): the mapping's budget of 1 ms per (item|payload) ran out before this expression( \(item \d+ of \d+\))?; raise mappingTimeoutMs/,
    );
    // Two attempts in all, not the policy's five: the handler failed twice (the metric counts
    // the handler's outcome, `retry` both times; the policy turned the second into the
    // dead-letter above), and nothing more arrives.
    await new Promise((r) => setTimeout(r, 1_500));
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metricValue(metrics, 'exhub_stage_failures_total', { stage: 'map' })).toBe(2);
    expect((await channel.checkQueue(topology.names.dlq)).messageCount).toBe(0);
  }, 90_000);
});
