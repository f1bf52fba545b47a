import { createSign } from 'node:crypto';
import { AuthError, InvalidPayloadError, RateLimitedError, TransientError } from '@exhub/core';
import { parseRetryAfter } from '@exhub/resilience';
import {
  GRANT_CLIENT_CREDENTIALS,
  GRANT_JWT_BEARER,
  JWT_ASSERTION_LIFETIME_SECONDS,
  SALESFORCE_TOKEN_PATH,
} from './salesforce.constants';
import type { RawHttp } from './salesforce.transport';

/** A session: the bearer token and the org's instance URL the token endpoint named. */
export interface SalesforceSession {
  accessToken: string;
  instanceUrl: string;
}

export type SalesforceAuthFlow = 'client_credentials' | 'jwt_bearer';

export interface SalesforceAuthOptions {
  connector: string;
  /** `https://login.salesforce.com`, `https://test.salesforce.com` or the org's My Domain URL. */
  loginUrl: string;
  flow: SalesforceAuthFlow;
  /** The external client app's consumer key. */
  clientId: string;
  /** client_credentials: the consumer secret. */
  clientSecret?: string;
  /** jwt_bearer: the integration user's username (`sub`). */
  username?: string;
  /** jwt_bearer: the PEM private key whose certificate is uploaded to the app. */
  privateKey?: string;
  /** jwt_bearer: `aud`; default the login URL. */
  audience?: string;
  now?: () => number;
}

const base64url = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

/**
 * Salesforce OAuth 2.0 for server-to-server integration: the client credentials flow (consumer
 * key + secret in the form body) or the JWT bearer flow (an RS256 assertion signed with the app's
 * key). The session is cached and fetched once however many requests wait for it; `invalidate()`
 * after a 401 INVALID_SESSION_ID makes the next request fetch a fresh one. Salesforce answers no
 * `expires_in`: a session lives until it is refused.
 */
export class SalesforceAuth {
  /** Sessions fetched (tests, diagnostics). */
  fetched = 0;
  private session?: SalesforceSession;
  private inFlight?: Promise<SalesforceSession>;

  constructor(
    private readonly o: SalesforceAuthOptions,
    private readonly http: RawHttp,
  ) {
    if (o.flow === 'client_credentials' && !o.clientSecret) {
      throw new AuthError(
        'ingress',
        `connector '${o.connector}': the client_credentials flow needs clientSecret`,
      );
    }
    if (o.flow === 'jwt_bearer' && (!o.username || !o.privateKey)) {
      throw new AuthError(
        'ingress',
        `connector '${o.connector}': the jwt_bearer flow needs username and privateKey`,
      );
    }
  }

  get tokenUrl(): string {
    return `${this.o.loginUrl.replace(/\/$/, '')}${SALESFORCE_TOKEN_PATH}`;
  }

  current(): SalesforceSession | undefined {
    return this.session;
  }

  async get(): Promise<SalesforceSession> {
    if (this.session) return this.session;
    this.inFlight ??= this.fetch().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  invalidate(): void {
    this.session = undefined;
  }

  private form(): URLSearchParams {
    if (this.o.flow === 'client_credentials') {
      return new URLSearchParams({
        grant_type: GRANT_CLIENT_CREDENTIALS,
        client_id: this.o.clientId,
        client_secret: this.o.clientSecret!,
      });
    }
    const now = Math.floor((this.o.now ?? Date.now)() / 1000);
    const claims = {
      iss: this.o.clientId,
      sub: this.o.username,
      aud: this.o.audience ?? this.o.loginUrl.replace(/\/$/, ''),
      exp: now + JWT_ASSERTION_LIFETIME_SECONDS,
    };
    const unsigned = `${base64url(JSON.stringify({ alg: 'RS256' }))}.${base64url(JSON.stringify(claims))}`;
    let signature: string;
    try {
      signature = createSign('RSA-SHA256').update(unsigned).sign(this.o.privateKey!, 'base64url');
    } catch (err) {
      throw new AuthError(
        'ingress',
        `connector '${this.o.connector}': privateKey cannot sign the JWT bearer assertion ` +
          `(${(err as Error).message}) — give the PEM private key of the app's certificate`,
        { cause: err },
      );
    }
    return new URLSearchParams({
      grant_type: GRANT_JWT_BEARER,
      assertion: `${unsigned}.${signature}`,
    });
  }

  private async fetch(): Promise<SalesforceSession> {
    const where = `connector '${this.o.connector}' OAuth2 token endpoint ${new URL(this.tokenUrl).origin}`;
    const res = await this.http({
      method: 'POST',
      url: this.tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: this.form().toString(),
      where,
    });
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      // Refused below with the status, or as a body that is not JSON.
    }
    if (res.statusCode === 429) {
      const ms = parseRetryAfter(res.headers['retry-after']);
      throw new RateLimitedError('ingress', `${where}: HTTP 429 too many token requests`, ms);
    }
    if (res.statusCode >= 500) {
      throw new TransientError('ingress', `${where}: HTTP ${res.statusCode} from the source`);
    }
    if (res.statusCode >= 400) {
      // invalid_client, invalid_grant (user not assigned, bad assertion), inactive_user, …
      const code = typeof body.error === 'string' ? body.error : `http_${res.statusCode}`;
      const text = typeof body.error_description === 'string' ? ` (${body.error_description})` : '';
      throw new AuthError(
        'ingress',
        `${where} refused the ${this.o.flow} grant: ${code}${text} — check clientId, the ` +
          `${this.o.flow === 'client_credentials' ? 'clientSecret' : 'username and privateKey'} and ` +
          "the app's run-as user",
      );
    }
    const issues = [];
    if (typeof body.access_token !== 'string' || body.access_token === '')
      issues.push({
        pointer: '/access_token',
        rule: 'required',
        message: 'must be a non-empty string',
      });
    if (typeof body.instance_url !== 'string' || !/^https?:\/\//.test(body.instance_url))
      issues.push({
        pointer: '/instance_url',
        rule: 'required',
        message: 'must be an http(s) URL',
      });
    if (issues.length) {
      throw new InvalidPayloadError(
        'parse',
        `${where}: the token response is not an OAuth2 token: ${issues[0].pointer} ${issues[0].message}`,
        issues,
      );
    }
    this.session = {
      accessToken: body.access_token as string,
      instanceUrl: (body.instance_url as string).replace(/\/$/, ''),
    };
    this.fetched++;
    return this.session;
  }
}
