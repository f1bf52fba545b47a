/** Every default and protocol constant of the NetSuite connector. */
import { MS_PER_DAY } from '@exhub/core';
export { MS_PER_DAY };
export const NETSUITE_SYSTEM = 'netsuite';
/** The objectType of a vendor bill's SourceEvent (picks the mappings). */
export const NETSUITE_OBJECT_TYPE = 'VendorBill';
/** The objectType of a vendor credit's SourceEvent: not a payable, so mappings of its own. */
export const NETSUITE_CREDIT_OBJECT_TYPE = 'VendorCredit';
/**
 * Every record type the search returns, by its `xsi:type` (purchases XSD): the objectType it is
 * published as is the same name.
 */
export const NETSUITE_RECORD_TYPES: readonly string[] = [
  NETSUITE_OBJECT_TYPE,
  NETSUITE_CREDIT_OBJECT_TYPE,
];
/** The transaction type value of TransactionSearchBasic.type for vendor bills. */
export const NETSUITE_SEARCH_TYPE = '_vendorBill';
/** … and for vendor credits (RecordType / SearchEnum `_vendorCredit`). */
export const NETSUITE_CREDIT_SEARCH_TYPE = '_vendorCredit';
/** The SOAP port: one endpoint, so one circuit breaker (metric label `endpoint`). */
export const NETSUITE_ENDPOINT = 'NetSuitePort';
/** Path of the SOAP port on an account's SuiteTalk host. */
export const NETSUITE_SERVICE_PATH = '/services/NetSuitePort_2015_1';
/** The local WSDL the `soap` client is built from (never fetched). */
export const NETSUITE_WSDL_FILE = 'netsuite-vendor-bills.wsdl';

export const NS_CORE = 'urn:core_2015_1.platform.webservices.netsuite.com';
export const NS_MESSAGES = 'urn:messages_2015_1.platform.webservices.netsuite.com';
export const NS_COMMON = 'urn:common_2015_1.platform.webservices.netsuite.com';
export const NS_PURCHASES = 'urn:purchases_2015_1.transactions.webservices.netsuite.com';
export const NS_FAULTS = 'urn:faults_2015_1.platform.webservices.netsuite.com';

/** NetSuite's smallest and largest search page size (searchPreferences.pageSize). */
export const NETSUITE_MIN_PAGE_SIZE = 5;
export const NETSUITE_MAX_PAGE_SIZE = 1000;
export const NETSUITE_DEFAULT_PAGE_SIZE = 100;
export const NETSUITE_DEFAULT_POLL_INTERVAL_SECONDS = 300;
/** Without `startFrom`, the first poll reads bills changed in the last 30 days. */
export const NETSUITE_DEFAULT_LOOKBACK_DAYS = 30;

/** Fault detail elements and codes that mean the credentials (token passport) were refused. */
export const NETSUITE_AUTH_FAULTS: ReadonlySet<string> = new Set([
  'invalidCredentialsFault',
  'invalidSessionFault',
  'invalidAccountFault',
  'insufficientPermissionFault',
  'INVALID_LOGIN_ATTEMPT',
  'INVALID_LOGIN_CREDENTIALS',
  'INVALID_LOGIN',
]);
/** Faults that mean "too many requests now" (concurrency or request-rate governance). */
export const NETSUITE_RATE_FAULTS: ReadonlySet<string> = new Set([
  'exceededRequestLimitFault',
  'exceededConcurrentRequestLimitFault',
  'WS_CONCUR_SESSION_DISALLWD',
  'WS_REQUEST_BLOCKED',
  'exceededUsageLimitFault',
]);
/** Faults a retry will not fix: the request itself is too big. */
export const NETSUITE_REFUSED_FAULTS: ReadonlySet<string> = new Set([
  'exceededRecordCountFault',
  'exceededRequestSizeFault',
]);
