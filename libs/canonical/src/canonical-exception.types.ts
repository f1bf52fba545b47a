/**
 * GENERATED from schemas/canonical-exception.v1.schema.json by scripts/gen-canonical-types.js.
 * Do not edit: change the schema and run `node scripts/gen-canonical-types.js`.
 */

/**
 * Business domain of an exception.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "domain".
 */
export type Domain = 'finance' | 'support';
/**
 * Business process an exception belongs to.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "process".
 */
export type Process =
  | 'procure_to_pay'
  | 'order_to_cash'
  | 'record_to_report'
  | 'treasury'
  | 'customer_support'
  | 'billing';
/**
 * The hub's unified exception taxonomy, shared by every source system.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "exceptionType".
 */
export type ExceptionType =
  | 'invoice_mismatch'
  | 'missing_receipt'
  | 'tax_validation_failure'
  | 'duplicate_invoice_risk'
  | 'duplicate_payment_risk'
  | 'vendor_master_discrepancy'
  | 'payment_hold'
  | 'payment_failure'
  | 'reconciliation_break'
  | 'credit_memo_dispute'
  | 'credit_hold_dispute'
  | 'refund_outside_policy'
  | 'chargeback_dispute'
  | 'billing_dispute'
  | 'sla_breach_risk'
  | 'escalation'
  | 'entitlement_conflict'
  | 'order_sync_failure'
  | 'duplicate_incident'
  | 'missing_account_data';
/**
 * Lifecycle status of an exception.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "status".
 */
export type Status = 'open' | 'in_review' | 'resolved' | 'dismissed';
/**
 * Priority tier, p1 (most urgent) to p4; the last segment of the routing key.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "tier".
 */
export type Tier = 'p1' | 'p2' | 'p3' | 'p4';
/**
 * The role a business party plays in an exception.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "partyRole".
 */
export type PartyRole = 'supplier' | 'customer' | 'account' | 'requester';
/**
 * A prioritization dimension; the same names as the properties of priority.dimensions.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "dimension".
 */
export type Dimension =
  | 'financialExposure'
  | 'slaRisk'
  | 'customerImpact'
  | 'complianceSensitivity'
  | 'resolutionEffort'
  | 'dependencyRisk';

/**
 * One workflow exception from a finance or support source system, in the hub's canonical shape, after mapping and scoring. This is the body of every message on the exhub.exceptions exchange. Every string and array is bounded so that validating an untrusted document costs a bounded amount of work. Optional fields are omitted when the source has no value for them (never null); consumers treat an absent parties/references/signals as empty.
 */
export interface CanonicalException {
  /**
   * Version of this schema. A breaking change to the shape gets a new schema file and a new value.
   */
  schemaVersion: '1';
  /**
   * Deterministic id derived from the natural key (source.system, source.objectType, source.objectId, type): the same source fact always yields the same id, which makes the pipeline idempotent.
   */
  id: string;
  /**
   * Starts at 1 and is incremented each time the exception is re-mapped or re-scored. The AMQP message-id is `<id>:<version>`.
   */
  version: number;
  /**
   * Correlation id from the source, or minted at ingress when the source has none; carried on every hop, log line and message.
   */
  correlationId: string;
  /**
   * The hub's id of the raw SourceEvent this exception was mapped from (SourceEventMeta.eventId).
   */
  causationId: string;
  /**
   * Business domain; the first segment of the routing key `<domain>.<type>.<tier>`.
   */
  domain: Domain;
  /**
   * The business process the exception interrupts.
   */
  process: Process;
  /**
   * The exception type in the hub's unified taxonomy; part of the natural key and the routing key.
   */
  type: ExceptionType;
  /**
   * Lifecycle status. Mapped exceptions start `open`; outcomes from workflow tools and review decisions move it on.
   */
  status: Status;
  /**
   * The latest status change the exception's source reported (it ended or re-opened what it reported), with the source's reason. Absent while the source has reported none; cleared when new content from the source re-opens the exception.
   */
  resolution?: Resolution;
  /**
   * One-line human headline, e.g. `Invoice 5100000123 does not match PO 4500001234 (EUR 12,500.00)`.
   */
  title: string;
  /**
   * Optional human explanation in plain text, a few sentences at most. Omitted when the mapping has nothing to add to the title.
   */
  summary?: string;
  /**
   * Where the exception came from: the source system, connector instance and source object.
   */
  source: Source;
  /**
   * When the underlying fact happened in the source system (e.g. the dispute was opened).
   */
  occurredAt: string;
  /**
   * When the hub mapped the fact into this exception.
   */
  detectedAt: string;
  /**
   * Optional deadline: the payment due date, response deadline or SLA breach time. Omitted when the exception has no deadline.
   */
  dueAt?: string;
  /**
   * Optional amount at stake, in the source's currency. Omitted when no amount is involved (most support exceptions).
   */
  amount?: Money;
  /**
   * Optional amount converted to the reporting currency through a lookup table. Omitted when there is no amount or no rate.
   */
  amountBase?: Money;
  /**
   * Optional business parties involved (supplier, customer, account, requester). Omitted or empty when the source names none.
   *
   * @maxItems 50
   */
  parties?: Party[];
  /**
   * Optional business document references, used to link exceptions across systems. Omitted when the source carries none.
   */
  references?: References;
  /**
   * Optional typed signals lifted from the source payload that the prioritization module reads. Omitted when there are none.
   */
  signals?: Signals;
  /**
   * The prioritization module's ranking of this exception, with its reasons.
   */
  priority: Priority;
  /**
   * How this exception was produced: mapping, archive position, connector version, replay.
   */
  lineage: Lineage;
  /**
   * Ids of related exceptions (same party or reference, possibly in the other domain). Empty when there are none.
   *
   * @maxItems 100
   *
   * Items: An exception id: a lower-case RFC 9562 UUID version 5 (name-based, SHA-1), as produced by exceptionId() in libs/canonical.
   */
  links: string[];
  /**
   * Optional grouping by root cause, so subscribers can fold many exceptions with one cause under one parent. Omitted when the exception has no root-cause key.
   */
  group?: Group;
}
/**
 * A status change reported by the source itself (mappings with `emits: lifecycle`): e.g. Stripe closed the dispute, the ticket was solved, the payment block was released.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "resolution".
 */
export interface Resolution {
  /**
   * Who reported it: `source`, the system that raised the exception.
   */
  by: 'source';
  /**
   * What the source said: `resolved` (it ended) or `open` (it re-opened).
   */
  status: 'resolved' | 'open';
  /**
   * The source's reason in plain words, e.g. "Dispute closed by Stripe: won".
   */
  reason: string;
  /**
   * When it happened in the source (its event time), else when the hub received it.
   */
  at: string;
  /**
   * The source's id of the event that reported it, when it has one.
   */
  eventId?: string;
  /**
   * The lifecycle mapping that read it, as `<id>@<version>`.
   */
  mapping?: string;
}
/**
 * Root-cause grouping. A child carries the key and, once its group has a parent (the policy's `grouping.threshold` of open exceptions share the key), the parent's id; the parent carries the key, `role: parent` and the number of open children.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "group".
 */
export interface Group {
  /**
   * The root-cause key, e.g. `supplier-master:SUP-100|TAX_MISMATCH` (set by the mapping, or derived by a policy `grouping.keys` entry).
   */
  key: string;
  /**
   * `parent`: the exception standing for the whole group; `child` (or absent, as a mapping may leave it): one occurrence of the root cause.
   */
  role?: 'child' | 'parent';
  /**
   * On a child whose group has a parent: the parent's id (a UUID v5 over the key). Absent while the group is below the threshold.
   */
  parentId?: string;
  /**
   * On a parent: how many open children the group had when it was last published.
   */
  size?: number;
}
/**
 * An amount of money: a decimal string and its ISO 4217 currency.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "money".
 */
export interface Money {
  /**
   * The amount in major units as a decimal string, e.g. `12500.00`; negative for credits.
   */
  value: string;
  /**
   * ISO 4217 currency code, e.g. `EUR`.
   */
  currency: string;
}
/**
 * The source system, connector instance and source object an exception was mapped from.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "source".
 */
export interface Source {
  /**
   * Source system (connector type), e.g. `stripe`, `sap-s4`, `zendesk`; part of the natural key.
   */
  system: string;
  /**
   * Connector instance id from exhub.config.yaml, e.g. `stripe` or `sap-emea`.
   */
  connector: string;
  /**
   * The source's object kind, e.g. `dispute`, `SupplierInvoice`, `ticket`; part of the natural key.
   */
  objectType: string;
  /**
   * The source's id of the object, exactly as the source writes it (case preserved); part of the natural key.
   */
  objectId: string;
  /**
   * Optional deep link to the object in the source system's UI. Omitted when the source has no stable link.
   */
  url?: string;
  /**
   * Optional: the source's own event id where it has one (e.g. Stripe `evt_…`), used for dedupe.
   */
  eventId?: string;
  /**
   * When the hub received the raw event at ingress.
   */
  receivedAt: string;
}
/**
 * A business party involved in an exception.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "party".
 */
export interface Party {
  /**
   * The party's role in this exception.
   */
  role: PartyRole;
  /**
   * The party's id in the source system (vendor number, account id, customer id, user id).
   */
  id: string;
  /**
   * Optional display name. Omitted when the source payload does not carry it.
   */
  name?: string;
  /**
   * Optional commercial tier or segment, e.g. `strategic`, `enterprise`, `gold`; read by prioritization.
   */
  tier?: string;
}
/**
 * Business document numbers the exception refers to; each is optional and only known keys are allowed.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "references".
 */
export interface References {
  /**
   * Purchase order number.
   */
  purchaseOrder?: string;
  /**
   * Invoice number.
   */
  invoice?: string;
  /**
   * Payment id or document number.
   */
  payment?: string;
  /**
   * Support ticket or incident number.
   */
  ticket?: string;
  /**
   * CRM case number.
   */
  case?: string;
  /**
   * Contract number.
   */
  contract?: string;
  /**
   * Subscription id.
   */
  subscription?: string;
  /**
   * Bank transaction reference (e.g. ISO 20022 end-to-end id or account servicer reference).
   */
  bankTransaction?: string;
}
/**
 * Typed signals lifted from the source payload for prioritization. Known signals have fixed types; any other signal must be a flat scalar (string, number, boolean or null), at most 64 signals, names of at most 64 characters.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "signals".
 */
export interface Signals {
  /**
   * The source's reason code, e.g. a Stripe dispute reason or an SAP block reason.
   */
  reasonCode?: string;
  /**
   * The source's free-text reason.
   */
  reasonText?: string;
  /**
   * Sentiment of the customer's latest message, -1 (negative) to 1 (positive).
   */
  sentiment?: number;
  /**
   * Fraud or risk score from the source, 0 (none) to 100.
   */
  fraudScore?: number;
  /**
   * The customer's next contract or subscription renewal, as a UTC date-time or a calendar date (`2026-09-30`).
   */
  renewalDate?: string;
  /**
   * Name of the SLA policy that applies.
   */
  slaPolicy?: string;
  /**
   * The source's own risk level label, e.g. Stripe Radar `elevated`.
   */
  riskLevel?: string;
  /**
   * Payment decline code, e.g. `insufficient_funds` or an ISO 20022 status reason.
   */
  declineCode?: string;
  /**
   * Card network or clearing status, e.g. `declined_by_network`.
   */
  networkStatus?: string;
  /**
   * How many attempts the source has made (payment retries, reopen count).
   */
  attemptCount?: number;
  /**
   * The source's own priority label, e.g. Zendesk `urgent` or ServiceNow `1 - Critical`.
   */
  priorityLabel?: string;
  [k: string]: string | number | boolean | null | undefined;
}
/**
 * One contribution to the priority score, in plain language.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "factor".
 */
export interface Factor {
  /**
   * Machine-readable factor code, e.g. `financial_exposure`.
   */
  code: string;
  /**
   * Optional: the dimension the factor belongs to. Omitted for factors outside the dimensions (e.g. a rule).
   */
  dimension?: Dimension;
  /**
   * Points this factor contributes to the score; negative when it lowers the score.
   */
  points: number;
  /**
   * Plain-language explanation shown to reviewers, e.g. `EUR 12,500.00 at stake, 2.5× the materiality threshold`.
   */
  detail: string;
}
/**
 * The ranking of an exception by business impact, with the reasons.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "priority".
 */
export interface Priority {
  /**
   * Priority score, 0 (lowest) to 100 (highest).
   */
  score: number;
  /**
   * Priority tier derived from the score and the policy rules.
   */
  tier: Tier;
  dimensions: PriorityDimensions;
  /**
   * The top contributions to the score, largest first. Empty when nothing contributed.
   *
   * @maxItems 20
   */
  factors: Factor[];
  /**
   * Ids of the policy rules that fired, in evaluation order. Empty when none fired.
   *
   * @maxItems 50
   *
   * Items: A short machine-readable code or label: non-empty, at most 128 characters.
   */
  rulesFired: string[];
  model: PriorityModel;
  review: PriorityReview;
  /**
   * The workflow route chosen by the routing table, e.g. `ap-team` (`unrouted` when no route matched).
   */
  route: string;
  /**
   * When the score was computed.
   */
  scoredAt: string;
  /**
   * True when context needed for scoring was missing (e.g. no FX rate), so the score is a best effort.
   */
  degraded: boolean;
}
/**
 * The six prioritization dimensions, each normalised to 0–1.
 */
export interface PriorityDimensions {
  /**
   * Money at stake relative to materiality.
   */
  financialExposure: number;
  /**
   * How close the deadline (dueAt) is.
   */
  slaRisk: number;
  /**
   * Impact on the customer or supplier relationship.
   */
  customerImpact: number;
  /**
   * Regulatory, tax or audit sensitivity.
   */
  complianceSensitivity: number;
  /**
   * Expected effort to resolve.
   */
  resolutionEffort: number;
  /**
   * Risk of blocking downstream processes.
   */
  dependencyRisk: number;
}
/**
 * The scorer that produced this priority.
 */
export interface PriorityModel {
  /**
   * Scorer or model name, e.g. `policy`.
   */
  name: string;
  /**
   * Model or policy version (e.g. a content hash).
   */
  version: string;
}
/**
 * Whether a human must review the exception before it is acted on.
 */
export interface PriorityReview {
  /**
   * True when the exception is also routed to exhub.review.
   */
  required: boolean;
  /**
   * Optional plain-language reason a review is required. Omitted when no review is required.
   */
  reason?: string;
}
/**
 * How an exception was produced, so it can be explained and reproduced.
 *
 * This interface was referenced by `CanonicalException`'s JSON-Schema
 * via the `definition` "lineage".
 */
export interface Lineage {
  mapping: MappingRef;
  /**
   * Optional offset of the raw event in the exhub.archive stream. Omitted when the event was not archived (e.g. a dry run).
   */
  archiveOffset?: number;
  /**
   * Optional version of the connector that fetched or received the raw event.
   */
  connectorVersion?: string;
  /**
   * Optional: set when produced by a replay, the id of the original raw event (causation) that was replayed.
   */
  replayOf?: string;
}
/**
 * The declarative mapping that produced the exception.
 */
export interface MappingRef {
  /**
   * Mapping id, e.g. `stripe/dispute`.
   */
  id: string;
  /**
   * Content hash of the mapping file that was applied.
   */
  version: string;
}
