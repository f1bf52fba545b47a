/**
 * A synthetic camt.053 bank statement of any size, in the shape the hub's XML parser gives the
 * mappings (libs/connector-sdk/src/xml.ts: Stmt, Ntry, NtryDtls, TxDtls as arrays, `@_Ccy`, every
 * value a string), for the tests and the benchmark of large `each` mappings.
 *
 * Entries cycle through three kinds, as a real statement mixes them: a matched debit with an
 * end-to-end id (no exception), a returned direct debit (reason MD06, one exception) and a credit
 * without any reference (one exception). So `breaks` of the result is what the camt.053
 * reconciliation mapping must raise.
 */
export interface LargeStatement {
  payload: Record<string, unknown>;
  /** Entries the reconciliation mapping must raise an exception for (returned or unmatched). */
  breaks: number;
}

const IBAN = 'DE89370400440532013000';

export function largeCamt053(entries: number, messageId = `STMT-LARGE-${entries}`): LargeStatement {
  const ntry: Record<string, unknown>[] = [];
  let breaks = 0;
  for (let i = 0; i < entries; i++) {
    const n = String(i + 1).padStart(5, '0');
    const amount = {
      '#text': `${100 + (i % 900)}.${String(i % 100).padStart(2, '0')}`,
      '@_Ccy': 'EUR',
    };
    const common = {
      NtryRef: `E-${n}`,
      Amt: amount,
      Sts: { Cd: 'BOOK' },
      BookgDt: { Dt: '2026-05-17' },
      ValDt: { Dt: '2026-05-17' },
      AcctSvcrRef: `NB20260517${n}`,
    };
    switch (i % 3) {
      case 0:
        ntry.push({
          ...common,
          CdtDbtInd: 'DBIT',
          BkTxCd: { Domn: { Cd: 'PMNT', Fmly: { Cd: 'ICDT', SubFmlyCd: 'ESCT' } } },
          NtryDtls: [
            {
              TxDtls: [
                {
                  Refs: { EndToEndId: `E2E-INV-${n}` },
                  Amt: amount,
                  CdtDbtInd: 'DBIT',
                  RmtInf: { Ustrd: [`Invoice ${n}`] },
                },
              ],
            },
          ],
        });
        break;
      case 1:
        breaks++;
        ntry.push({
          ...common,
          CdtDbtInd: 'DBIT',
          RvslInd: 'true',
          BkTxCd: { Domn: { Cd: 'PMNT', Fmly: { Cd: 'RDDT', SubFmlyCd: 'UPDD' } } },
          NtryDtls: [
            {
              TxDtls: [
                {
                  Refs: { EndToEndId: `DD-${n}`, MndtId: `MNDT-${n}` },
                  Amt: amount,
                  CdtDbtInd: 'DBIT',
                  RltdPties: { Dbtr: { Pty: { Nm: `Customer ${n}` } } },
                  RmtInf: { Ustrd: [`Subscription ${n}`] },
                  RtrInf: { Rsn: { Cd: 'MD06' } },
                },
              ],
            },
          ],
        });
        break;
      default:
        breaks++;
        ntry.push({
          ...common,
          CdtDbtInd: 'CRDT',
          BkTxCd: { Domn: { Cd: 'PMNT', Fmly: { Cd: 'RCDT', SubFmlyCd: 'ESCT' } } },
          AddtlNtryInf: 'SEPA CREDIT TRANSFER',
        });
    }
  }
  const payload = {
    Document: {
      BkToCstmrStmt: {
        GrpHdr: { MsgId: messageId, CreDtTm: '2026-05-18T06:00:12+02:00' },
        Stmt: [
          {
            Id: `${messageId}-STMT`,
            ElctrncSeqNb: '137',
            CreDtTm: '2026-05-18T06:00:12+02:00',
            Acct: { Id: { IBAN }, Ccy: 'EUR', Ownr: { Nm: 'Acme Manufacturing GmbH' } },
            TxsSummry: { TtlNtries: { NbOfNtries: String(entries) } },
            Ntry: ntry,
          },
        ],
      },
      '@_xmlns': 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08',
    },
  };
  return { payload, breaks };
}
