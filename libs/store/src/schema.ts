/**
 * The tables as Kysely sees them. JSON is stored as text on both databases so that what is hashed
 * (audit details, exception content) is byte-for-byte what is read back; timestamps are ISO 8601
 * UTC strings, which sort lexicographically.
 */
export interface ExceptionsTable {
  id: string;
  version: number;
  domain: string;
  type: string;
  tier: string;
  score: number;
  status: string;
  /** JSON object of the exception's references. */
  references_json: string;
  /** The canonical exception as last stored (JSON). */
  document: string;
  content_hash: string;
  created_at: string;
  updated_at: string;
}

export interface ExceptionPartiesTable {
  exception_id: string;
  party_id: string;
}

/**
 * What an exception can be found by (written with every upsert): `party` ids, its references by
 * kind (`invoice`, `payment`, …), `due` (its dueAt) and `degraded` (scored without some context).
 */
export interface ExceptionKeysTable {
  exception_id: string;
  kind: string;
  value: string;
}

export interface ExceptionVersionsTable {
  exception_id: string;
  version: number;
  content_hash: string;
  document: string;
  recorded_at: string;
}

export interface AuditLogTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  exception_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

/** One row (id = 1): the chain's last sequence number and hash; serialises appends. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface ConnectorCursorsTable {
  connector_id: string;
  cursor: string;
  updated_at: string;
}

export interface WebhookEventsTable {
  connector_id: string;
  source_event_id: string;
  event_id: string;
  correlation_id: string;
  /** When the claim was taken (or taken over). */
  created_at: string;
  expires_at: string;
  /** `pending` until its publish is confirmed, then `confirmed` (WebhookEventState). */
  state: string;
}

export interface ContextFactsTable {
  key: string;
  value: string;
  source: string;
  fetched_at: string;
}

export interface OutcomesTable {
  id: string;
  exception_id: string;
  version: number;
  kind: string;
  actor: string;
  reason: string | null;
  at: string;
  tier_before: string | null;
  tier_after: string | null;
  /** `person`, `workflow` or `source` (migration 0005); null on older rows. */
  resolved_by?: string | null;
}

export interface DeadLettersTable {
  message_key: string;
  /** ISO 8601 UTC: when the message entered the DLQ. */
  dead_at: string;
  connector: string | null;
  error_class: string | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  role: string;
  salt: string;
  hash: string;
  created_at: string;
}

export interface StoreDatabase {
  exceptions: ExceptionsTable;
  exception_parties: ExceptionPartiesTable;
  exception_keys: ExceptionKeysTable;
  exception_versions: ExceptionVersionsTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  connector_cursors: ConnectorCursorsTable;
  webhook_events: WebhookEventsTable;
  context_facts: ContextFactsTable;
  outcomes: OutcomesTable;
  api_keys: ApiKeysTable;
  dead_letters: DeadLettersTable;
}
