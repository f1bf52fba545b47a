import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalException } from '@exhub/canonical';
import {
  apiKeyHeader,
  startHub,
  stripeHeaders,
  subscribe,
  take,
  type Harness,
} from '../hub/hub-harness';

const dispute = readFileSync(
  join(__dirname, '../../../connectors/stripe/fixtures/charge.dispute.created.json'),
);
const JSON_TYPE = { 'content-type': 'application/json' };

describe('reviewer API: worklist, detail, decisions, keys', () => {
  let hub: Harness;
  let viewer: Record<string, string>;
  let operator: Record<string, string>;
  let id: string;

  const getJson = async (path: string, headers: Record<string, string> = {}) => {
    const r = await hub.get(path, headers);
    return { status: r.status, json: JSON.parse(r.body) as Record<string, unknown> };
  };
  const decide = (body: unknown, headers: Record<string, string> = operator, target = id) =>
    hub.post(`/v1/exceptions/${encodeURIComponent(target)}/decisions`, JSON.stringify(body), {
      ...headers,
      ...JSON_TYPE,
    });

  beforeAll(async () => {
    hub = await startHub();
    viewer = await apiKeyHeader(hub.rt, 'viewer', 'vera');
    operator = await apiKeyHeader(hub.rt, 'operator', 'ops');
    const finance = await subscribe(hub.channel, hub.rt.topology.names.exceptions, 'finance.#');
    const res = await hub.post('/v1/ingest/stripe', dispute, stripeHeaders(dispute));
    expect(res.status).toBe(202);
    const [msg] = await take(hub.channel, finance, 1);
    id = (JSON.parse(msg.content.toString('utf8')) as CanonicalException).id;
  });
  afterAll(async () => hub?.close());

  it('lists the dispute in the worklist, filtered and paged', async () => {
    const all = await getJson('/v1/exceptions', viewer);
    expect(all.status).toBe(200);
    const items = all.json.items as CanonicalException[];
    expect(items.map((e) => e.id)).toContain(id);
    const filtered = await getJson(
      '/v1/exceptions?domain=finance&type=chargeback_dispute&status=open&limit=1',
      viewer,
    );
    expect(filtered.status).toBe(200);
    expect((filtered.json.items as CanonicalException[])[0].id).toBe(id);
    const none = await getJson('/v1/exceptions?domain=support', viewer);
    expect(none.json.items).toEqual([]);
    // X-Api-Key works as well as Authorization: Bearer.
    const xKey = await getJson('/v1/exceptions', {
      'x-api-key': viewer.authorization.replace(/^Bearer /, ''),
    });
    expect(xKey.status).toBe(200);
  });

  it('shows one exception with its explanation, lineage, history and audit trail', async () => {
    const detail = await getJson(`/v1/exceptions/${id}`, viewer);
    expect(detail.status).toBe(200);
    expect((detail.json.exception as CanonicalException).id).toBe(id);
    const explanation = detail.json.explanation as { score: number; factors: unknown[] };
    expect(explanation.factors.length).toBeGreaterThan(0);
    expect(detail.json.lineage).toEqual(expect.objectContaining({ mapping: expect.anything() }));
    expect(detail.json.history).toEqual([expect.objectContaining({ version: 1 })]);
    expect((detail.json.audit as unknown[]).length).toBeGreaterThan(0);

    const missing = await getJson('/v1/exceptions/exc_nope', viewer);
    expect(missing.status).toBe(404);
    expect(missing.json.message).toContain('exc_nope');
  });

  it('refuses bad requests with clear 4xx and changes nothing', async () => {
    const before = await hub.rt.store.getException(id);
    const auditBefore = await hub.rt.store.auditTrail({ exceptionId: id });

    const injected = await getJson(
      `/v1/exceptions?domain=${encodeURIComponent("' OR 1=1 --")}`,
      viewer,
    );
    expect(injected.status).toBe(400);
    expect(injected.json.issues).toEqual([expect.objectContaining({ pointer: '/query/domain' })]);
    const party = await getJson(
      `/v1/exceptions?party=${encodeURIComponent("x'; DROP TABLE exceptions; --")}`,
      viewer,
    );
    expect(party.status).toBe(400);
    expect(party.json.issues).toEqual([expect.objectContaining({ pointer: '/query/party' })]);

    const oversized = await getJson('/v1/exceptions?limit=100000', viewer);
    expect(oversized.status).toBe(400);
    expect(oversized.json.issues).toEqual([expect.objectContaining({ pointer: '/query/limit' })]);
    const unknownParam = await getJson('/v1/exceptions?sort=score', viewer);
    expect(unknownParam.status).toBe(400);
    expect(unknownParam.json.message).toContain('sort');
    const badCursor = await getJson('/v1/exceptions?cursor=abc', viewer);
    expect(badCursor.status).toBe(400);

    const unknownField = await decide({ action: 'resolve', reason: 'x', actor: 'mallory' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.json.issues).toEqual([expect.objectContaining({ pointer: '/actor' })]);
    const noReason = await decide({ action: 'resolve', reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(noReason.json.issues).toEqual([expect.objectContaining({ pointer: '/reason' })]);
    const noTier = await decide({ action: 'override', reason: 'vip' });
    expect(noTier.status).toBe(400);
    expect(noTier.json.issues).toEqual([expect.objectContaining({ pointer: '/tier' })]);
    const badAction = await decide({ action: 'delete', reason: 'x' });
    expect(badAction.status).toBe(400);
    expect(badAction.json.issues).toEqual([expect.objectContaining({ pointer: '/action' })]);

    const wrongRole = await decide({ action: 'resolve', reason: 'x' }, viewer);
    expect(wrongRole.status).toBe(403);
    expect(wrongRole.json).toMatchObject({ statusCode: 403, error: 'forbidden' });
    expect(wrongRole.json.message).toMatch(/operator.*viewer/);
    const noKey = await decide({ action: 'resolve', reason: 'x' }, {});
    expect(noKey.status).toBe(401);
    expect(noKey.json).toMatchObject({ statusCode: 401, error: 'unauthorized' });
    expect(noKey.json.message).toMatch(/Authorization: Bearer/);
    const badKey = await decide(
      { action: 'resolve', reason: 'x' },
      { authorization: 'Bearer nope' },
    );
    expect(badKey.status).toBe(401);
    const anonymousList = await getJson('/v1/exceptions');
    expect(anonymousList.status).toBe(401);

    const missing = await decide({ action: 'resolve', reason: 'x' }, operator, 'exc_nope');
    expect(missing.status).toBe(404);

    expect(await hub.rt.store.getException(id)).toEqual(before);
    expect(await hub.rt.store.auditTrail({ exceptionId: id })).toEqual(auditBefore);
  });

  it('records an operator decision: status moves, audited with the actor; closed is 409', async () => {
    const approve = await decide({ action: 'approve', reason: 'looks right' });
    expect(approve.status).toBe(200);
    expect((approve.json.exception as CanonicalException).status).toBe('in_review');
    const resolve = await decide({ action: 'resolve', reason: 'refunded the customer' });
    expect(resolve.status).toBe(200);
    expect((await hub.rt.store.getException(id))?.status).toBe('resolved');

    const trail = await hub.rt.store.auditTrail({ exceptionId: id });
    const decisions = trail.filter((e) => e.action.startsWith('decision.'));
    expect(decisions.map((e) => e.action)).toEqual(['decision.approve', 'decision.resolve']);
    for (const e of decisions) expect(e.actor).toMatch(/^ops \(key /);

    const again = await decide({ action: 'dismiss', reason: 'late' });
    expect(again.status).toBe(409);
    expect(again.json.error).toBe('conflict');
    expect((await hub.rt.store.auditTrail({ exceptionId: id })).length).toBe(trail.length);

    const closed = await getJson('/v1/exceptions?status=resolved', viewer);
    expect((closed.json.items as CanonicalException[]).map((e) => e.id)).toEqual([id]);
  });
});
