import type { HubError } from '@exhub/core';
import { classifySoapFailure, type SoapFaultRules } from '@exhub/resilience';
import {
  NETSUITE_AUTH_FAULTS,
  NETSUITE_RATE_FAULTS,
  NETSUITE_REFUSED_FAULTS,
} from './netsuite.constants';

// The SOAP transport (soap's HTTP client replaced: allowed hosts, limits, hub error classes, no
// DOCTYPE) is generic and lives in libs/resilience/src/soap.client.ts; what is NetSuite's own is
// which faults mean what.
export { readSoapFault, type SoapFault } from '@exhub/resilience';

/** NetSuite's fault detail elements and codes, and what to check when one is sent. */
export const SUITETALK_FAULT_RULES: SoapFaultRules = {
  auth: NETSUITE_AUTH_FAULTS,
  rateLimited: NETSUITE_RATE_FAULTS,
  refused: NETSUITE_REFUSED_FAULTS,
  authAdvice:
    "check the instance's account, consumer key/secret and token id/secret, and the role's web services permission",
  rateAdvice: "NetSuite's request or concurrency limit",
};

/**
 * The hub error class for a failed SuiteTalk answer: invalid login / credentials faults and
 * HTTP 401/403 → AUTH (the breaker opens); HTTP 429 and request-limit / concurrency faults →
 * RATE_LIMITED with the Retry-After the server sent; unexpectedErrorFault and 5xx → TRANSIENT;
 * record-count / request-size faults → INVALID_PAYLOAD. `where` never holds a credential.
 */
export function classifySuiteTalkFailure(
  status: number,
  retryAfter: unknown,
  body: string,
  where: string,
): HubError {
  return classifySoapFailure(status, retryAfter, body, where, SUITETALK_FAULT_RULES);
}
