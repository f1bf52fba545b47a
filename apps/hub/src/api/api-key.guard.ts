import {
  createParamDecorator,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { ApiKeyRole, ExceptionStore } from '@exhub/store';
import { apiError } from '../http/api-error';
import { actorOf, CALLER_PROPERTY, roleAtLeast, ROLES_METADATA, type ApiCaller } from './roles';
import { STORE } from '../core/core.tokens';

const UNAUTHORIZED = 401;
const FORBIDDEN = 403;
const BEARER = /^Bearer\s+(\S+)\s*$/i;
const HOW_TO_SEND =
  'send an API key as `Authorization: Bearer <key>` or `X-Api-Key: <key>` (create one with `exhub keys create --role <role> --name <who>`)';

type CallerRequest = FastifyRequest & { [CALLER_PROPERTY]?: ApiCaller };

/**
 * Admits a request that carries a valid API key whose role is at least the one the endpoint names
 * with `@Roles(...)`: 401 `unauthorized` without a (valid) key, 403 `forbidden` with too small a
 * role. The caller is attached to the request (`@Caller()`) for auditing.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(STORE) private readonly store: ExceptionStore,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const needed = this.reflector.getAllAndOverride<ApiKeyRole | undefined>(ROLES_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    // An endpoint under the guard without @Roles needs the highest role: fail closed.
    const role: ApiKeyRole = needed ?? 'admin';
    const req = context.switchToHttp().getRequest<CallerRequest>();
    const presented = presentedKey(req);
    if (presented === undefined) {
      throw apiError(
        UNAUTHORIZED,
        'unauthorized',
        `this endpoint needs an API key; ${HOW_TO_SEND}`,
      );
    }
    const key = await this.store.findApiKey(presented);
    if (!key) {
      throw apiError(
        UNAUTHORIZED,
        'unauthorized',
        `the API key is not valid (unknown, malformed or revoked); ${HOW_TO_SEND}`,
      );
    }
    if (!roleAtLeast(key.role, role)) {
      throw apiError(
        FORBIDDEN,
        'forbidden',
        `this endpoint needs the ${role} role (or higher); the key "${key.name}" has the ${key.role} role`,
      );
    }
    req[CALLER_PROPERTY] = { key, actor: actorOf(key) };
    return true;
  }
}

function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.trim() !== '') {
    return BEARER.exec(auth)?.[1] ?? '';
  }
  const header = req.headers['x-api-key'];
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/** The authenticated caller of a guarded handler. */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): ApiCaller => {
  const caller = ctx.switchToHttp().getRequest<CallerRequest>()[CALLER_PROPERTY];
  if (!caller) throw new Error('@Caller() used on a handler without ApiKeyGuard');
  return caller;
});
