import { faultXml } from './testing';
import { classifySuiteTalkFailure, readSoapFault } from './suitetalk.transport';

const WHERE = "connector 'ns' NetSuitePort search";

describe('SuiteTalk failures → hub error classes', () => {
  it('reads the fault string, detail element and code of a NetSuite SOAP fault', () => {
    expect(
      readSoapFault(
        faultXml('invalidCredentialsFault', 'INVALID_LOGIN_ATTEMPT', 'Invalid login attempt.'),
      ),
    ).toEqual({
      faultcode: 'soapenv:Server.userException',
      faultstring: 'Invalid login attempt.',
      detail: 'invalidCredentialsFault',
      code: 'INVALID_LOGIN_ATTEMPT',
    });
    expect(readSoapFault('<html>502 Bad Gateway</html>')).toBeUndefined();
    expect(
      readSoapFault('<!DOCTYPE x [<!ENTITY a "b">]><Envelope><Body><Fault/></Body></Envelope>'),
    ).toBeUndefined();
  });

  it.each([
    [
      500,
      undefined,
      faultXml('invalidCredentialsFault', 'INVALID_LOGIN_ATTEMPT', 'Invalid login attempt.'),
      'AUTH',
    ],
    [403, undefined, '', 'AUTH'],
    [
      500,
      '7',
      faultXml(
        'exceededConcurrentRequestLimitFault',
        'WS_CONCUR_SESSION_DISALLWD',
        'Only one request',
      ),
      'RATE_LIMITED',
    ],
    [429, '2', '', 'RATE_LIMITED'],
    [
      500,
      undefined,
      faultXml('unexpectedErrorFault', 'UNEXPECTED_ERROR', 'An unexpected error occurred.'),
      'TRANSIENT',
    ],
    [503, undefined, '<html>Service Temporarily Unavailable</html>', 'TRANSIENT'],
    [
      500,
      undefined,
      faultXml('exceededRecordCountFault', 'EXCEEDED_RECORD_COUNT', 'Too many records'),
      'INVALID_PAYLOAD',
    ],
    [404, undefined, '', 'NOT_FOUND'],
  ])('HTTP %i (Retry-After %s) %#→ %s', (status, retryAfter, body, errorClass) => {
    const err = classifySuiteTalkFailure(status, retryAfter, body, WHERE);
    expect(err.errorClass).toBe(errorClass);
    expect(err.message).toContain(WHERE);
  });

  it('keeps the Retry-After of a rate limit, and names fault and code in the message', () => {
    const err = classifySuiteTalkFailure(
      500,
      '7',
      faultXml(
        'exceededConcurrentRequestLimitFault',
        'WS_CONCUR_SESSION_DISALLWD',
        'Only one request',
      ),
      WHERE,
    ) as { retryAfterMs?: number; message: string };
    expect(err.retryAfterMs).toBe(7000);
    expect(err.message).toMatch(/Only one request \(WS_CONCUR_SESSION_DISALLWD\)/);
  });
});
