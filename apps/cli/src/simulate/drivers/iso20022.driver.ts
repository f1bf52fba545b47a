/**
 * ISO 20022: XML messages a bank (or its connectivity relay) delivers — pain.002 payment status
 * reports rejecting supplier payments, camt.054 notifications of returned payments and of credits
 * nobody can match — signed with the hub's generic HMAC scheme (`X-Exhub-Signature`, secret
 * ISO20022_WEBHOOK_SECRET), as connectors/iso20022/README.md tells a sender to.
 */
import { HMAC_SIGNATURE_HEADER, signHmacPayload } from '@exhub/connector-sdk';
import { SimulateError, type EventKind, type GenContext, type SimDriver } from '../types';
import { ingestUrl, postWebhook } from './webhook';

export const ISO20022_SECRET_ENV = 'ISO20022_WEBHOOK_SECRET';
const SECONDS = 1000;
const DEBTOR = { name: 'Acme Manufacturing GmbH', iban: 'DE89370400440532013000' };
const BANK = { name: 'Nordbank AG', bic: 'NORDDEFFXXX' };

/** pain.002 rejection reasons (ExternalStatusReason1Code) with the bank's note and a weight. */
const REJECTIONS: readonly [string, string, number][] = [
  ['AC04', 'Creditor account closed', 25],
  ['AC01', 'Creditor IBAN format is wrong', 20],
  ['AM04', 'Insufficient funds on the debtor account', 20],
  ['AG01', 'Transaction forbidden on this account type', 10],
  ['RR04', 'Regulatory reason: creditor under review', 10],
  ['MS03', '', 15],
];
/** camt.054 return reasons (ExternalReturnReason1Code). */
const RETURNS: readonly [string, string, number][] = [
  ['AC01', 'IBAN does not exist at creditor bank', 35],
  ['AC04', 'Account closed', 30],
  ['MS03', 'Reason not specified', 20],
  ['AG02', 'Invalid bank operation code', 15],
];

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const day = (d: Date) => d.toISOString().slice(0, 10);
const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const compactDay = (d: Date) => day(d).replace(/-/g, '');

/** A plausible German IBAN for a party (fixed per party id, so the same creditor keeps it). */
function ibanOf(partyId: string): string {
  let n = 0;
  for (const ch of partyId) n = (n * 31 + ch.charCodeAt(0)) % 1e10;
  return `DE${String(10 + (n % 89))}5001051${String(n).padStart(11, '0')}`;
}

const paymentRejected: EventKind = {
  description: 'pain.002: the bank rejects a supplier payment of a payment run',
  produces: ['payment_failure'],
  generate(ctx: GenContext) {
    const { rng, amount, party } = ctx;
    const run = `PAY-RUN-${compactDay(ctx.now)}-${ctx.runId}`;
    const pmtInf = `PMTINF-${amount.currency}-${ctx.runId}-${rng.digits(3)}`;
    const e2e = `E2E-INV-${rng.digits(4)}-${ctx.seq}`;
    const [code, note] = rng.weighted(REJECTIONS, (r) => r[2]);
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">
  <CstmrPmtStsRpt>
    <GrpHdr>
      <MsgId>STS-${ctx.runId}-${String(ctx.seq).padStart(6, '0')}</MsgId>
      <CreDtTm>${stamp(ctx.now)}</CreDtTm>
      <InitgPty><Nm>${BANK.name}</Nm><Id><OrgId><AnyBIC>${BANK.bic}</AnyBIC></OrgId></Id></InitgPty>
    </GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>${run}</OrgnlMsgId>
      <OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
      <GrpSts>PART</GrpSts>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>${pmtInf}</OrgnlPmtInfId>
      <PmtInfSts>PART</PmtInfSts>
      <TxInfAndSts>
        <StsId>STS-${ctx.runId}-${ctx.seq}-1</StsId>
        <OrgnlInstrId>INSTR-${ctx.runId}-${ctx.seq}</OrgnlInstrId>
        <OrgnlEndToEndId>${e2e}</OrgnlEndToEndId>
        <TxSts>RJCT</TxSts>
        <StsRsnInf>
          <Orgtr><Nm>${BANK.name}</Nm></Orgtr>
          <Rsn><Cd>${code}</Cd></Rsn>${note ? `\n          <AddtlInf>${xml(note)}</AddtlInf>` : ''}
        </StsRsnInf>
        <OrgnlTxRef>
          <Amt><InstdAmt Ccy="${amount.currency}">${amount.value}</InstdAmt></Amt>
          <ReqdExctnDt><Dt>${day(ctx.dueAt)}</Dt></ReqdExctnDt>
          <Dbtr><Pty><Nm>${xml(DEBTOR.name)}</Nm></Pty></Dbtr>
          <DbtrAcct><Id><IBAN>${DEBTOR.iban}</IBAN></Id></DbtrAcct>
          <Cdtr><Pty><Nm>${xml(party.name)}</Nm></Pty></Cdtr>
          <CdtrAcct><Id><IBAN>${ibanOf(party.id)}</IBAN></Id></CdtrAcct>
          <RmtInf><Ustrd>Invoice ${xml(party.id)}-${rng.digits(5)}</Ustrd></RmtInf>
        </OrgnlTxRef>
      </TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>
`;
    return { objectType: 'pain.002', body };
  },
};

function camt054(ctx: GenContext, entry: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr>
      <MsgId>NTF-${ctx.runId}-${String(ctx.seq).padStart(6, '0')}</MsgId>
      <CreDtTm>${stamp(ctx.now)}</CreDtTm>
    </GrpHdr>
    <Ntfctn>
      <Id>NTF-${ctx.runId}-${ctx.seq}-01</Id>
      <CreDtTm>${stamp(ctx.now)}</CreDtTm>
      <Acct>
        <Id><IBAN>${DEBTOR.iban}</IBAN></Id>
        <Ccy>${ctx.amount.currency}</Ccy>
        <Ownr><Nm>${xml(DEBTOR.name)}</Nm></Ownr>
        <Svcr><FinInstnId><BICFI>${BANK.bic}</BICFI></FinInstnId></Svcr>
      </Acct>
${entry}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
`;
}

const returnedPayment: EventKind = {
  description: 'camt.054: a supplier payment comes back (return with reason code)',
  produces: ['reconciliation_break'],
  generate(ctx) {
    const { rng, amount, party } = ctx;
    const ref = `NB${compactDay(ctx.now)}${ctx.runId}${String(ctx.seq).padStart(6, '0')}`;
    const [code, note] = rng.weighted(RETURNS, (r) => r[2]);
    const entry = `      <Ntry>
        <NtryRef>${ctx.runId}-${ctx.seq}</NtryRef>
        <Amt Ccy="${amount.currency}">${amount.value}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>${day(ctx.now)}</Dt></BookgDt>
        <ValDt><Dt>${day(ctx.now)}</Dt></ValDt>
        <AcctSvcrRef>${ref}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>RRTN</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs>
              <AcctSvcrRef>${ref}</AcctSvcrRef>
              <EndToEndId>E2E-INV-${rng.digits(4)}-${ctx.seq}</EndToEndId>
            </Refs>
            <Amt Ccy="${amount.currency}">${amount.value}</Amt>
            <CdtDbtInd>CRDT</CdtDbtInd>
            <RltdPties>
              <Cdtr><Pty><Nm>${xml(party.name)}</Nm></Pty></Cdtr>
              <CdtrAcct><Id><IBAN>${ibanOf(party.id)}</IBAN></Id></CdtrAcct>
            </RltdPties>
            <RmtInf><Ustrd>Invoice ${xml(party.id)}-${rng.digits(5)}</Ustrd></RmtInf>
            <RtrInf>
              <Orgtr><Nm>Creditor bank</Nm></Orgtr>
              <Rsn><Cd>${code}</Cd></Rsn>
              <AddtlInf>${xml(note)}</AddtlInf>
            </RtrInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>`;
    return { objectType: 'camt.054', body: camt054(ctx, entry) };
  },
};

const unmatchedReceipt: EventKind = {
  description: 'camt.054: a customer payment arrives with no reference to match it by',
  produces: ['reconciliation_break'],
  generate(ctx) {
    const { amount, party } = ctx;
    const ref = `NB${compactDay(ctx.now)}${ctx.runId}${String(ctx.seq).padStart(6, '0')}`;
    const entry = `      <Ntry>
        <NtryRef>${ctx.runId}-${ctx.seq}</NtryRef>
        <Amt Ccy="${amount.currency}">${amount.value}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>${day(ctx.now)}</Dt></BookgDt>
        <ValDt><Dt>${day(ctx.now)}</Dt></ValDt>
        <AcctSvcrRef>${ref}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs>
              <AcctSvcrRef>${ref}</AcctSvcrRef>
              <EndToEndId>NOTPROVIDED</EndToEndId>
            </Refs>
            <Amt Ccy="${amount.currency}">${amount.value}</Amt>
            <CdtDbtInd>CRDT</CdtDbtInd>
            <RltdPties>
              <Dbtr><Pty><Nm>${xml(party.name)}</Nm></Pty></Dbtr>
              <DbtrAcct><Id><IBAN>${ibanOf(party.id)}</IBAN></Id></DbtrAcct>
            </RltdPties>
          </TxDtls>
        </NtryDtls>
      </Ntry>`;
    return { objectType: 'camt.054', body: camt054(ctx, entry) };
  },
};

export const iso20022Driver: SimDriver = {
  id: 'iso20022',
  system: 'iso20022',
  contentType: 'application/xml',
  describe: `webhook POST /v1/ingest/iso20022, X-Exhub-Signature with ${ISO20022_SECRET_ENV}`,
  kinds: {
    payment_rejected: paymentRejected,
    returned_payment: returnedPayment,
    unmatched_receipt: unmatchedReceipt,
  },
  async connect({ hubUrl, env, timeoutMs }) {
    const secret = env[ISO20022_SECRET_ENV];
    if (!secret) {
      throw new SimulateError(
        `${ISO20022_SECRET_ENV} is not set: the iso20022 driver signs messages with the hub's X-Exhub-Signature secret; set it to the value the hub has`,
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
            [HMAC_SIGNATURE_HEADER]: signHmacPayload(
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
