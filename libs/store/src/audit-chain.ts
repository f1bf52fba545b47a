import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { AuditEntry, AuditVerification } from './types';

type Hashed = Omit<AuditEntry, 'hash'>;

/**
 * The hash of one audit entry: sha256 over a canonical serialisation of every field but the hash
 * itself, including the previous entry's hash, so changing any entry breaks it and every later
 * link.
 */
export function auditEntryHash(entry: Hashed): string {
  const canonical = canonicalJson({
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    exceptionId: entry.exceptionId,
    details: entry.details,
    prevHash: entry.prevHash,
  });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** Checks entries in order, carrying the last good link; call `finish` after the last batch. */
export class AuditChainVerifier {
  private expectedSeq = 1;
  private prevHash: string;
  private checked = 0;

  constructor(genesisHash: string) {
    this.prevHash = genesisHash;
  }

  /** Returns the first broken entry's report, or undefined when the batch is sound. */
  check(entries: AuditEntry[]): AuditVerification | undefined {
    for (const e of entries) {
      const broken = (
        field: 'hash' | 'prevHash' | 'seq',
        expected: string,
        found: string,
        reason: string,
      ): AuditVerification => ({
        ok: false,
        entries: this.checked,
        broken: { seq: e.seq, field, expected, found, reason },
      });
      if (e.seq !== this.expectedSeq) {
        return broken(
          'seq',
          String(this.expectedSeq),
          String(e.seq),
          `entry ${this.expectedSeq} is missing (the next entry found is ${e.seq})`,
        );
      }
      if (e.prevHash !== this.prevHash) {
        return broken(
          'prevHash',
          this.prevHash,
          e.prevHash,
          `prevHash does not match the hash of entry ${e.seq - 1}`,
        );
      }
      const recomputed = auditEntryHash(e);
      if (recomputed !== e.hash) {
        return broken(
          'hash',
          recomputed,
          e.hash,
          'the entry was changed after it was written (its content no longer matches its hash)',
        );
      }
      this.prevHash = e.hash;
      this.expectedSeq += 1;
      this.checked += 1;
    }
    return undefined;
  }

  /** The head row records the last entry: a removed tail shows up here. */
  finish(head: { seq: number; hash: string }): AuditVerification {
    const lastSeq = this.expectedSeq - 1;
    if (head.seq !== lastSeq || head.hash !== this.prevHash) {
      return {
        ok: false,
        entries: this.checked,
        broken: {
          seq: lastSeq + 1,
          field: 'head',
          expected: `entry ${head.seq} with hash ${head.hash}`,
          found: lastSeq === 0 ? 'no entries' : `last entry ${lastSeq} with hash ${this.prevHash}`,
          reason: 'entries at the end of the trail were removed',
        },
      };
    }
    return { ok: true, entries: this.checked, headHash: this.prevHash };
  }
}
