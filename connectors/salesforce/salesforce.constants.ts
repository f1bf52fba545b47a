/** Every default and protocol constant of the Salesforce connector. */
import { MS_PER_DAY } from '@exhub/core';
export { MS_PER_DAY };
export const SALESFORCE_SYSTEM = 'salesforce';
/** The objectType of every SourceEvent this connector publishes (picks the mappings). */
export const SALESFORCE_CASE_OBJECT = 'Case';

/** REST API version jsforce is told to call (`/services/data/v62.0/…`). */
export const SALESFORCE_DEFAULT_API_VERSION = '62.0';
export const SALESFORCE_DEFAULT_LOGIN_URL = 'https://login.salesforce.com';
export const SALESFORCE_TOKEN_PATH = '/services/oauth2/token';
export const GRANT_CLIENT_CREDENTIALS = 'client_credentials';
export const GRANT_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Lifetime of a JWT bearer assertion; Salesforce accepts at most 3 minutes. */
export const JWT_ASSERTION_LIFETIME_SECONDS = 180;

/**
 * Which cases are exceptions: escalated, high priority, or under an entitlement (the only cases
 * that can have a violated milestone; the mapping raises for the violated ones and counts the
 * rest as no-ops). Not `Id IN (SELECT CaseId FROM CaseMilestone WHERE IsViolated = true)`:
 * Salesforce refuses a semi-join under OR ("Semi join sub-selects are not allowed with the 'OR'
 * operator"), and the connector ORs this filter with `IsClosed = true`. EntitlementId needs
 * Entitlement Management; drop that term where it is not enabled.
 */
export const SALESFORCE_DEFAULT_CASE_FILTER =
  "(IsEscalated = true OR Status = 'Escalated' OR Priority = 'High' OR EntitlementId != null)";

/** Default custom fields of Account that carry the commercial context. */
export const SALESFORCE_DEFAULT_ACCOUNT_FIELDS = {
  tier: 'Tier__c',
  arr: 'ARR__c',
  renewalDate: 'Renewal_Date__c',
} as const;

/** Records per query page Salesforce is asked for (`Sforce-Query-Options: batchSize`). */
export const SALESFORCE_DEFAULT_PAGE_SIZE = 200;
export const SALESFORCE_MIN_PAGE_SIZE = 200;
export const SALESFORCE_MAX_PAGE_SIZE = 2000;
/** Without `startFrom`, the first poll reads cases modified in the last 30 days. */
export const SALESFORCE_DEFAULT_LOOKBACK_DAYS = 30;

/** Breaker endpoints: the Case query (pages included) and the Account lookup. */
export const ENDPOINT_CASES = 'query Case';
export const ENDPOINT_ACCOUNT = 'query Account';
