import axios from 'axios';
import { AuthError, TransientError } from '@exhub/core';
import {
  DEFAULT_HTTP_TIMEOUT_MS,
  OAUTH_DEFAULT_LIFETIME_MS,
  OAUTH_EXPIRY_SKEW_MS,
  MS_PER_SECOND,
} from './constants';
import { toHubError } from './http-errors';

/** Adds credentials to an outbound request; `invalidate` is called once after a 401. */
export interface AuthProvider {
  headers(): Promise<Record<string, string>>;
  /** Drop cached credentials so the next `headers()` fetches fresh ones; false = nothing to refresh. */
  invalidate?(): boolean;
}

/** HTTP basic authentication (SAP communication users, most on-premise APIs). */
export function basicAuth(username: string, password: string): AuthProvider {
  const value = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  return { headers: async () => ({ authorization: value }) };
}

export interface OAuth2ClientCredentialsOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * OAuth2 client credentials grant (RFC 6749 §4.4): the token is cached until shortly before it
 * expires; after a 401 the HTTP client calls `invalidate()` and retries once with a fresh token.
 */
export class OAuth2ClientCredentials implements AuthProvider {
  private token?: { value: string; expiresAt: number };
  private inFlight?: Promise<string>;
  /** Tokens fetched (for tests and diagnostics). */
  fetched = 0;

  constructor(private readonly o: OAuth2ClientCredentialsOptions) {}

  async headers(): Promise<Record<string, string>> {
    const now = (this.o.now ?? Date.now)();
    if (!this.token || this.token.expiresAt - OAUTH_EXPIRY_SKEW_MS <= now) {
      this.inFlight ??= this.fetchToken().finally(() => (this.inFlight = undefined));
      await this.inFlight;
    }
    return { authorization: `Bearer ${this.token!.value}` };
  }

  invalidate(): boolean {
    this.token = undefined;
    return true;
  }

  private async fetchToken(): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.o.scope) body.set('scope', this.o.scope);
    const basic = Buffer.from(
      `${encodeURIComponent(this.o.clientId)}:${encodeURIComponent(this.o.clientSecret)}`,
    ).toString('base64');
    const where = `OAuth2 token endpoint ${new URL(this.o.tokenUrl).origin}`;
    let data: unknown;
    try {
      const res = await axios.post(this.o.tokenUrl, body.toString(), {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${basic}`,
        },
        timeout: this.o.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
        maxRedirects: 0,
      });
      data = res.data;
    } catch (err) {
      const e = toHubError(err, where);
      if (e.errorClass === 'INVALID_PAYLOAD') {
        // 400 invalid_client / unauthorized_client: the credentials are wrong.
        throw new AuthError('ingress', `${where} refused the client credentials`, { cause: err });
      }
      throw e;
    }
    const token = (data as { access_token?: unknown; expires_in?: unknown }) ?? {};
    if (typeof token.access_token !== 'string' || token.access_token === '') {
      throw new TransientError('ingress', `${where} answered without an access_token`);
    }
    const lifetime =
      typeof token.expires_in === 'number'
        ? token.expires_in * MS_PER_SECOND
        : OAUTH_DEFAULT_LIFETIME_MS;
    this.token = { value: token.access_token, expiresAt: (this.o.now ?? Date.now)() + lifetime };
    this.fetched++;
    return token.access_token;
  }
}
