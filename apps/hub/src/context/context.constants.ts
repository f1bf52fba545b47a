/** Every default of the context module (enrichment, links, re-scoring), named once. */
import { MS_PER_HOUR, MS_PER_SECOND } from '@exhub/core';
export { MS_PER_HOUR, MS_PER_SECOND };

/** Lookup answers kept in memory at most (the oldest go first). */
export const LOOKUP_CACHE_MAX_ENTRIES = 10_000;
/** Actor of the store writes and audit entries of a re-score. */
export const RESCORE_ACTOR = 'rescore';
/** Audit action of a re-score (beside the store's own exception.updated entry). */
export const RESCORED_ACTION = 'exception.rescored';
/** The canonical schema's limits: at most this many factors (the scorer's) and links. */
export { MAX_FACTORS } from '@exhub/prioritization';
export const MAX_LINKS = 100;
/**
 * Most related open exceptions one new exception re-scores (back-link or new signal). A key that
 * more open exceptions share is a root cause, not a link between a few (forty invoices of one
 * supplier, every dispute of one charge): re-scoring all of them for each newcomer is quadratic
 * work and a flood of versions for subscribers. Beyond it, the newcomer lists its links (up to
 * MAX_LINKS) and the others are left as they are; grouping (a parent per root cause) folds them.
 */
export const MAX_BACKLINK_FANOUT = 20;
/** Factor codes the context module adds (0 points: they explain, the dimensions count). */
export const FACTOR_CONTEXT = 'context';
export const FACTOR_CONTEXT_MISSING = 'context_missing';
/** Static lookup tables (mappings/lookups) that count as context where no connector answers. */
export const CUSTOMER_TIERS_TABLE = 'customer-tiers';
export const SUPPLIER_CRITICALITY_TABLE = 'supplier-criticality';
/** Creditor IBAN → ERP supplier id: a bank's returned or rejected payment names only the IBAN. */
export const SUPPLIER_BANK_ACCOUNTS_TABLE = 'supplier-bank-accounts';
/** Creditor name (upper case, spaces collapsed) → ERP supplier id, for a creditor without IBAN. */
export const SUPPLIER_NAMES_TABLE = 'supplier-names';
