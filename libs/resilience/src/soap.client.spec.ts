import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HubError } from '@exhub/core';
import { classifySoapFailure, readSoapFault, SoapHttpTransport } from './soap.client';

const WHERE = "connector 'acme' AcmePort search";

const fault = (detail: string, code: string, message: string): string =>
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
  `<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>${message}</faultstring>` +
  `<detail><t:${detail} xmlns:t="urn:acme"><t:code>${code}</t:code></t:${detail}></detail>` +
  '</soapenv:Fault></soapenv:Body></soapenv:Envelope>';

describe('readSoapFault', () => {
  it('reads faultcode, faultstring, the detail element and its code', () => {
    expect(readSoapFault(fault('authenticationFault', 'INVALID_CREDENTIALS', 'Invalid'))).toEqual({
      faultcode: 'soapenv:Client',
      faultstring: 'Invalid',
      detail: 'authenticationFault',
      code: 'INVALID_CREDENTIALS',
    });
  });

  it('finds none in a body without a Fault, or with a DOCTYPE', () => {
    expect(readSoapFault('<html>502 Bad Gateway</html>')).toBeUndefined();
    expect(
      readSoapFault('<!DOCTYPE x [<!ENTITY a "b">]><Envelope><Body><Fault/></Body></Envelope>'),
    ).toBeUndefined();
  });
});

describe('classifySoapFailure', () => {
  const rules = {
    auth: new Set(['authenticationFault']),
    rateLimited: new Set(['REQUEST_LIMIT_EXCEEDED']),
    refused: new Set(['tooManyRecordsFault']),
    authAdvice: 'check the API user',
  };

  it.each([
    ['AUTH', 401, undefined, '', {}],
    ['AUTH', 403, undefined, '', {}],
    ['RATE_LIMITED', 429, '3', '', {}],
    ['TRANSIENT', 503, undefined, '<html>down</html>', {}],
    ['NOT_FOUND', 404, undefined, '', {}],
    // Without rules a fault says nothing about its meaning: retry it as TRANSIENT.
    ['TRANSIENT', 500, undefined, fault('authenticationFault', 'X', 'Invalid'), {}],
    ['AUTH', 500, undefined, fault('authenticationFault', 'X', 'Invalid'), rules],
    ['RATE_LIMITED', 500, '2', fault('limitFault', 'REQUEST_LIMIT_EXCEEDED', 'Slow down'), rules],
    ['INVALID_PAYLOAD', 500, undefined, fault('tooManyRecordsFault', 'X', 'Too many'), rules],
  ])('%s from HTTP %i, Retry-After %s (case %#)', (errorClass, status, retryAfter, body, r) => {
    const err = classifySoapFailure(status, retryAfter, body, WHERE, r);
    expect(err.errorClass).toBe(errorClass);
    expect(err.message).toContain(WHERE);
  });

  it('keeps the Retry-After, and says the fault, its code and the advice', () => {
    const limited = classifySoapFailure(
      500,
      '2',
      fault('limitFault', 'REQUEST_LIMIT_EXCEEDED', 'Slow down'),
      WHERE,
      rules,
    ) as HubError & { retryAfterMs?: number };
    expect(limited.retryAfterMs).toBe(2000);
    expect(limited.message).toContain('Slow down (REQUEST_LIMIT_EXCEEDED)');
    const auth = classifySoapFailure(
      500,
      undefined,
      fault('authenticationFault', 'X', 'No'),
      WHERE,
      rules,
    );
    expect(auth.message).toMatch(/No \(X\) — check the API user$/);
  });
});

describe('SoapHttpTransport', () => {
  let server: Server;
  let answer: { status: number; body: string };
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': 'text/xml' }).end(answer.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/AcmePort`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const transport = (allowed = ['127.0.0.1']) =>
    new SoapHttpTransport({ connector: 'acme', port: 'AcmePort', allowedHosts: new Set(allowed) });

  /** What soap's callback receives for one request. */
  const post = (t: SoapHttpTransport): Promise<{ error?: unknown; body?: unknown }> =>
    new Promise((resolve) => {
      void t
        .request(url, '<x/>', (error, _res, body) => resolve({ error, body }), {
          SOAPAction: '"search"',
        })
        .catch(() => undefined);
    });

  it('hands a well-formed answer to soap', async () => {
    answer = { status: 200, body: '<Envelope><Body><ok/></Body></Envelope>' };
    expect(await post(transport())).toEqual({ error: null, body: answer.body });
  });

  it('refuses a host outside allowedHosts as AUTH, before any request', async () => {
    const { error } = await post(transport(['soap.example.com']));
    expect(error).toMatchObject({ errorClass: 'AUTH' });
    expect((error as Error).message).toMatch(/host 127\.0\.0\.1:\d+ is not in allowedHosts/);
  });

  it.each([
    ['not well-formed XML', '<Envelope><Body>', /not well-formed XML/],
    ['a DOCTYPE', '<!DOCTYPE x [<!ENTITY a "b">]><Envelope/>', /DOCTYPE or entity/],
  ])('refuses %s as INVALID_PAYLOAD', async (_name, body, message) => {
    answer = { status: 200, body };
    const { error } = await post(transport());
    expect(error).toMatchObject({ errorClass: 'INVALID_PAYLOAD', stage: 'parse' });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain("connector 'acme' AcmePort search");
  });

  it('classifies a failed answer with the default classifier', async () => {
    answer = { status: 503, body: '<html>down</html>' };
    expect((await post(transport())).error).toMatchObject({ errorClass: 'TRANSIENT' });
  });
});
