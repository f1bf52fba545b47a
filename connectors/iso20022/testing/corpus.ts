import type { CanonicalException } from '@exhub/canonical';

/**
 * The real ISO 20022 sample files (fixtures/corpus/, sources in fixtures/corpus/SOURCES.md) and
 * what each one means for a treasury or AP team, written from the file, not from what the
 * mappings happen to do. One table, read by the unit corpus run (iso20022.corpus.spec.ts: the
 * connector, the pipeline's own stages) and by the end-to-end run through the hub's webhook
 * ingress and a real broker (test/e2e/iso20022/iso20022-corpus.e2e-spec.ts).
 */
export interface CorpusExpectation {
  type: 'payment_failure' | 'reconciliation_break';
  /** The exception's natural key (`source.objectId`): which payment, block, run or bank entry. */
  objectId: string;
  amount?: { value: string; currency: string };
  reasonCode?: string;
  breakKind?: 'returned' | 'unmatched';
}

export interface CorpusSample {
  file: string;
  objectType: 'pain.002' | 'camt.053' | 'camt.054';
  meaning: string;
  /** The exceptions the file raises; `[]`: nothing to do (a counted no-op). */
  expect: CorpusExpectation[];
  /**
   * Lifecycle results: how many "this payment went out after all" signals the file gives (a booked
   * debit with an end-to-end id resolves that id's open return and rejection, one signal per
   * exception type). They end nothing unless such an exception is open.
   */
  resolves?: number;
}

export const ISO20022_CORPUS: readonly CorpusSample[] = [
  // ---- pain.002 customer payment status reports ----
  {
    file: 'pain.002.001.03.ch.02-accepted.sepa_file_parser.xml',
    objectType: 'pain.002',
    meaning:
      'Swiss SPS 2009 status report (SIX namespace URL): the whole run accepted (ACTC), nothing to do',
    expect: [],
  },
  {
    file: 'pain.002.001.03.ch.02-group-accepted.moov-iso20022.xml',
    objectType: 'pain.002',
    meaning:
      'PostFinance (Swiss SPS 2009) acknowledges payment run MsgId-001 as technically accepted (ACTC): nothing to do',
    expect: [],
  },
  {
    file: 'pain.002.001.03.ch.02-direct-debit-accepted.moov-iso20022.xml',
    objectType: 'pain.002',
    meaning:
      'PostFinance accepts (ACCP) the whole payment information block of a Swiss direct-debit collection (pain.008 .ch.03): nothing to do',
    expect: [],
  },
  {
    file: 'pain.002.001.03.ch.02-group-rejected.moov-iso20022.xml',
    objectType: 'pain.002',
    meaning:
      'PostFinance rejects the whole payment run MsgId-005 for a wrong control sum (AM10) without listing its payments: nothing in it will be paid',
    expect: [{ type: 'payment_failure', objectId: 'MsgId-005', reasonCode: 'AM10' }],
  },
  {
    file: 'pain.002.001.03.ch.02-partially-rejected.moov-iso20022.xml',
    objectType: 'pain.002',
    meaning:
      'block PmtInfId-001-03 partially accepted (PART); its one listed payment rejected for an invalid account (AC01, "Konto ungültig"); the bank gives no amount',
    expect: [
      {
        type: 'payment_failure',
        objectId: 'MsgId-001/PmtInfId-001-03/EndToEndId-001-03-04',
        reasonCode: 'AC01',
      },
    ],
  },
  {
    file: 'pain.002.001.03.ch.02-payment-information-rejected.moov-iso20022.xml',
    objectType: 'pain.002',
    meaning:
      'block PmtInfId-006-01 rejected (NARR: "batch order without an executable single order") because its only payment was rejected for an invalid account (AC01): one failed payment',
    expect: [
      {
        type: 'payment_failure',
        objectId: 'MsgId-006/PmtInfId-006-01/EndToEndId-006-01-01',
        reasonCode: 'AC01',
      },
    ],
  },
  {
    file: 'pain.002.001.03-direct-debit-rejected.sepa_file_parser.xml',
    objectType: 'pain.002',
    meaning: 'a collection of EUR 6543.14 rejected for an invalid account (AC01), pain.002.001.03',
    expect: [
      {
        type: 'payment_failure',
        objectId: 'Message-ID-12345/Payment-Information-ID-12345/Source1234',
        amount: { value: '6543.14', currency: 'EUR' },
        reasonCode: 'AC01',
      },
    ],
  },
  {
    file: 'pain.002.001.10-direct-debit-rejected.sepa_file_parser.xml',
    objectType: 'pain.002',
    meaning:
      'a collection of EUR 6543.14 rejected by the debtor bank for an invalid account (AC01), pain.002.001.10: money we will not receive',
    expect: [
      {
        type: 'payment_failure',
        objectId: 'Message-ID-4711/Sammlerreferenz-4710/OriginatorID1234',
        amount: { value: '6543.14', currency: 'EUR' },
        reasonCode: 'AC01',
      },
    ],
  },
  {
    file: 'pain.002.001.03-group-rejected-duplicate.iso20022-js.xml',
    objectType: 'pain.002',
    meaning:
      'Nordea rejects the whole run MSGID-PS-TEST-0708-01 as a duplicate message id (DU01): it was not paid (again)',
    expect: [{ type: 'payment_failure', objectId: 'MSGID-PS-TEST-0708-01', reasonCode: 'DU01' }],
  },
  {
    file: 'pain.002.001.03-payment-information-rejected.iso20022-js.xml',
    objectType: 'pain.002',
    meaning:
      'Nordea rejects a whole payment information block (invalid category purpose / service level, said in free text under NARR) without listing its payments',
    expect: [
      {
        type: 'payment_failure',
        objectId: 'MSGID-COM-SCE25-1707-01/PMTINFID-COM-SCE25-1707-01',
        reasonCode: 'NARR',
      },
    ],
  },
  {
    file: 'pain.002.001.03-transactions-rejected.iso20022-js.xml',
    objectType: 'pain.002',
    meaning: 'Nordea rejects both payments of a block, each with the reason in free text (NARR)',
    expect: [
      {
        type: 'payment_failure',
        objectId: 'MSGID-950-TEST2-2807-01/PMTINFID-950-TEST2-2807-01/ENDTOENDID-950-TEST2-2807-02',
        reasonCode: 'NARR',
      },
      {
        type: 'payment_failure',
        objectId: 'MSGID-950-TEST2-2807-01/PMTINFID-950-TEST2-2807-01/ENDTOENDID-950-TEST2-2807-01',
        reasonCode: 'NARR',
      },
    ],
  },
  {
    file: 'pain.002.001.03-transactions-rejected-duplicate-instruction.iso20022-js.xml',
    objectType: 'pain.002',
    meaning:
      'Cross River: the run passed technical checks (ACTC) but its block and all three payments were rejected as duplicate instruction ids; two payments share an instruction id and differ by end-to-end id, so they are three failures',
    expect: [
      {
        type: 'payment_failure',
        objectId: 'missing2/missing2/sanity-10-1-12-1-21',
        reasonCode: 'NARR',
      },
      {
        type: 'payment_failure',
        objectId: 'missing2/missing2/example01234567',
        reasonCode: 'NARR',
      },
      {
        type: 'payment_failure',
        objectId: 'missing2/missing2/example012345678',
        reasonCode: 'NARR',
      },
    ],
  },
  {
    file: 'pain.002.001.03-group-rejected-unreadable-file.iso20022-js.xml',
    objectType: 'pain.002',
    meaning:
      'Cross River could not parse the submitted collection file and rejects it without naming it (no OrgnlMsgId): one failed run, keyed by the status report',
    expect: [{ type: 'payment_failure', objectId: 'report:abcdefg012345689', reasonCode: 'NARR' }],
  },
  {
    file: 'pain.002.001.03-payment-information-accepted.iso20022-js.xml',
    objectType: 'pain.002',
    meaning:
      'Goldman Sachs accepts (ACCP) a whole block after validation, answering a NACHA file: nothing to do, and no payment is named, so nothing is ended',
    expect: [],
  },
  {
    file: 'pain.002.001.11-no-status.moov-iso20022.xml',
    objectType: 'pain.002',
    meaning:
      'pain.002.001.11 skeleton: a status report for run OrgnlMsgId that gives no status at all, for the run or for any payment: nothing rejected, nothing to do',
    expect: [],
  },
  {
    file: 'pain.002.001.14-partially-rejected.iso20022-js.xml',
    objectType: 'pain.002',
    meaning:
      'pain.002.001.14: run and block PMTINF-0001 partially accepted (PART); payment E2E-0002 rejected for a closed account (AC04, a second proprietary reason besides), payment E2E-0001 credited to the creditor (ACCC): one failed payment, and one "it went through" signal for E2E-0001',
    expect: [
      {
        type: 'payment_failure',
        objectId: 'PAIN001-0001/PMTINF-0001/E2E-0002',
        reasonCode: 'AC04',
      },
    ],
    resolves: 1,
  },
  // ---- camt.053 bank-to-customer statements ----
  {
    file: 'camt.053.001.02-referenced-credit.genkgo-camt.xml',
    objectType: 'camt.053',
    meaning:
      'one booked credit of EUR 8.85 with a structured creditor reference (SCOR): reconciliation can match it, no break',
    expect: [],
  },
  {
    file: 'camt.053.001.02-statement-mixed-entries.iso20022-js.xml',
    objectType: 'camt.053',
    meaning:
      'Nordea statement of six entries: credits and debits with end-to-end ids or remittance text match; one EUR 400.00 debit (PMNT/NTAV) has neither, so nothing explains it; the EUR 700.50 debit with end-to-end id 20190508-E123456 is a payment that went out',
    expect: [
      {
        type: 'reconciliation_break',
        objectId: 'FI8529501800030574/2019-05-08/1905082588CVCC1111/400.00 EUR',
        amount: { value: '400.00', currency: 'EUR' },
        breakKind: 'unmatched',
      },
    ],
    resolves: 2,
  },
  {
    file: 'camt.053.001.02-stuzza-referenced-credits.camt_parser.xml',
    objectType: 'camt.053',
    meaning:
      'Austrian camt.053.001.02 under the APC (Stuzza) namespace ISO:camt.053.001.02:APC:STUZZA:payments:003 (read as camt.053.001.02, once refused as "does not belong"): three booked SEPA credits (EUR 50, 100, 250), each with a structured creditor reference (SCOR): reconciliation can match them, no break',
    expect: [],
  },
  {
    file: 'camt.053.001.03-referenced-credit.genkgo-camt.xml',
    objectType: 'camt.053',
    meaning:
      'camt.053.001.03 statement (account given as Othr/Id): one booked credit of EUR 8.85 with a structured creditor reference (SCOR) and a proprietary reference besides: reconciliation can match it, no break',
    expect: [],
  },
  {
    file: 'camt.053.001.04-referenced-credit-proprietary-code.genkgo-camt.xml',
    objectType: 'camt.053',
    meaning:
      'camt.053.001.04 with a proprietary bank transaction code (PAYM/0001/0005) and a referenced credit of EUR 8.85: no break',
    expect: [],
  },
  {
    file: 'camt.053.001.07-apphdr-balances-only.prowide-iso20022.xml',
    objectType: 'camt.053',
    meaning:
      'camt.053.001.07 wrapped with its head.001 business application header: balances only, no entries, nothing to reconcile',
    expect: [],
  },
  {
    file: 'camt.053.001.08-swiss-statement-referenced.sepa_file_parser.xml',
    objectType: 'camt.053',
    meaning:
      'UBS (SPS 2.0) statement: two referenced credits (one a batch of one, QR and SCOR references) and a EUR 20.97 debit with end-to-end id 1208481 that went out: no break',
    expect: [],
    resolves: 2,
  },
  {
    file: 'camt.053.001.12-returns-and-pending.iso20022-js.xml',
    objectType: 'camt.053',
    meaning:
      'camt.053.001.12 (v12 shapes: Sts/Cd, Party50Choice, BICFI): a USD 8.29 credit with end-to-end id and remittance text matches; a pending USD 4.35 debit is not booked yet; a USD 1.13 transfer E2E-0003 comes back (PMNT/ICDT/RRTN, reversal, AC01) and USD 100.00 is credited back with a proprietary return reason (BANKREJ): two returns, keyed by the entry reference (no bank reference)',
    expect: [
      {
        type: 'reconciliation_break',
        objectId: 'DD01100056869/2026-03-01/E3-RETURN-CODED/1.13 USD',
        amount: { value: '1.13', currency: 'USD' },
        reasonCode: 'AC01',
        breakKind: 'returned',
      },
      {
        type: 'reconciliation_break',
        objectId: 'DD01100056869/2026-03-01/E4-RETURN-PRTRY/100.00 USD',
        amount: { value: '100.00', currency: 'USD' },
        reasonCode: 'BANKREJ',
        breakKind: 'returned',
      },
    ],
  },
  // ---- camt.054 debit/credit notifications ----
  {
    file: 'camt.054.001.02-credit-without-reference.sepa_file_parser.xml',
    objectType: 'camt.054',
    meaning:
      'a German bank credits EUR 587.82 from Hans Mustermann (proprietary code NTRF+166) with NOTPROVIDED end-to-end id, no remittance information and an empty transaction amount: nothing ties it to an open item, camt.054.001.02',
    expect: [
      {
        type: 'reconciliation_break',
        objectId: 'DE12300606010002787431/2024-01-02/O/20625324522/587.82 EUR',
        amount: { value: '587.82', currency: 'EUR' },
        breakKind: 'unmatched',
      },
    ],
  },
  {
    file: 'camt.054.001.04-returned-credit-transfer.moov-iso20022.xml',
    objectType: 'camt.054',
    meaning:
      'PostFinance credits back CHF 400.00: our transfer EndToEndId-004-01-01 was returned for a wrong account number (PMNT/ICDT/RRTN, AC01)',
    expect: [
      {
        type: 'reconciliation_break',
        objectId: 'CH2909000000250094239/2019-05-20/086820002PBWFX2U/400.00 CHF',
        amount: { value: '400.00', currency: 'CHF' },
        reasonCode: 'AC01',
        breakKind: 'returned',
      },
    ],
  },
  {
    file: 'camt.054.001.04-reversed-credit-returned.moov-iso20022.xml',
    objectType: 'camt.054',
    meaning:
      'PostFinance reverses (RvslInd true) our CHF 500.00 transfer EndToEndId-001-03-04, returned as not executable (PMNT/ICDT/RRTN, AC01)',
    expect: [
      {
        type: 'reconciliation_break',
        objectId: 'CH5109000000250092291/2020-11-24/075820002ZZTJR1K/500.00 CHF',
        amount: { value: '500.00', currency: 'CHF' },
        reasonCode: 'AC01',
        breakKind: 'returned',
      },
    ],
  },
  {
    file: 'camt.054.001.04-reversed-credit-and-pending.dvbern-iso20022.xml',
    objectType: 'camt.054',
    meaning:
      'a received CHF 111.00 credit reversed by the bank (RvslInd true): the money is gone again, a returned break keyed by the notification (no bank reference); a pending (Sts PDNG) CHF 2.00 credit is not on the books yet, so nothing until the bank books it (it carries a creditor reference besides); a booked CHF 3.00 debit carries a creditor reference: nothing',
    expect: [
      {
        type: 'reconciliation_break',
        objectId: 'CH160077401231234567/2017-07-26/NtfctnId20170726/111.00 CHF',
        amount: { value: '111.00', currency: 'CHF' },
        breakKind: 'returned',
      },
    ],
  },
  {
    file: 'camt.054.001.08-credit-without-reference.dvbern-iso20022.xml',
    objectType: 'camt.054',
    meaning:
      'PostFinance (SPS 2.0) credits CHF 522.10 from Bernasconi Maria with no end-to-end id and no reference: its remittance information holds only the QR-bill processing flags (?REJECT?0, ?ERROR?000), so nothing matches it to an open item',
    expect: [
      {
        type: 'reconciliation_break',
        objectId: 'CH2909000000250094239/2022-03-10/1000000000000000/522.10 CHF',
        amount: { value: '522.10', currency: 'CHF' },
        breakKind: 'unmatched',
      },
    ],
  },
  {
    file: 'camt.054.001.08-referenced-batch-booking.genkgo-camt.xml',
    objectType: 'camt.054',
    meaning:
      'a batch debit booking of three credit transfers with end-to-end ids and remittance information (two list the same id): every one went out, no break; one signal per id and type',
    expect: [],
    resolves: 4,
  },
];

/** What the corpus compares of an exception: its type, key, amount, reason and kind of break. */
export function corpusView(e: CanonicalException): CorpusExpectation {
  return {
    type: e.type as CorpusExpectation['type'],
    objectId: e.source.objectId,
    ...(e.amount && { amount: { value: e.amount.value, currency: e.amount.currency } }),
    ...(typeof e.signals?.reasonCode === 'string' && { reasonCode: e.signals.reasonCode }),
    ...(typeof e.signals?.breakKind === 'string' && {
      breakKind: e.signals.breakKind as CorpusExpectation['breakKind'],
    }),
  };
}

/** The same views in a stable order (the broker does not keep one across a file's exceptions). */
export function sortedViews(views: readonly CorpusExpectation[]): CorpusExpectation[] {
  return [...views].sort((a, b) =>
    a.objectId < b.objectId ? -1 : a.objectId > b.objectId ? 1 : 0,
  );
}
