import type { IncomingMessage } from 'node:http';

/**
 * Requests whose outcome a feature already logged at info with everything the access line would
 * say and more (an accepted webhook: the ingress line with its connector, event, correlation and
 * trace ids). Their access line goes to debug, so each webhook costs one info line, not two: at
 * ingest rates the second line was ~5 % of the ingress's CPU per request (bench:ingest).
 */
const loggedByFeature = new WeakSet<IncomingMessage>();

export function markLoggedByFeature(request: IncomingMessage): void {
  loggedByFeature.add(request);
}

export function wasLoggedByFeature(request: IncomingMessage): boolean {
  return loggedByFeature.has(request);
}
