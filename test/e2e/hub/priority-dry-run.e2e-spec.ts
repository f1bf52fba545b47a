import { apiKeyHeader, startHub, type Harness } from './hub-harness';

/** The seeds' first scenario, through the live policy over HTTP. */
const strategicSupplier = {
  exception: {
    domain: 'finance',
    type: 'tax_validation_failure',
    amount: { value: '48000.00', currency: 'EUR' },
    amountBase: { value: '52000.00', currency: 'USD' },
    dueAt: '2026-11-21T12:00:00Z',
    parties: [{ role: 'supplier', id: 'SUP-INFRA-1', tier: 'strategic' }],
  },
  context: { supplierCriticality: 'strategic', recurrenceCount: 4 },
};
const officeSupplies = {
  domain: 'finance',
  type: 'invoice_mismatch',
  amount: { value: '120.00', currency: 'USD' },
  dueAt: '2026-12-30T12:00:00Z',
  parties: [{ role: 'supplier', id: 'SUP-OFFICE-9', tier: 'standard' }],
};

describe('POST /v1/priority/dry-run', () => {
  let hub: Harness;
  let steward: Record<string, string>;
  beforeAll(async () => {
    hub = await startHub();
    steward = await apiKeyHeader(hub.rt, 'steward');
  });
  afterAll(async () => hub?.close());

  const post = (body: unknown, now = '2026-11-20T12:00:00Z') =>
    hub.post(`/v1/priority/dry-run?now=${now}`, JSON.stringify(body), {
      ...steward,
      'content-type': 'application/json',
    });

  it('needs a steward key: none is 401, a viewer key is 403', async () => {
    const none = await hub.post('/v1/priority/dry-run', JSON.stringify(officeSupplies), {
      'content-type': 'application/json',
    });
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ statusCode: 401, error: 'unauthorized' });
    const viewer = await hub.post('/v1/priority/dry-run', JSON.stringify(officeSupplies), {
      ...(await apiKeyHeader(hub.rt, 'viewer')),
      'content-type': 'application/json',
    });
    expect(viewer.status).toBe(403);
    expect(viewer.json.message).toMatch(/steward.*viewer/);
  });

  it('explains a score whose factor points add up to it, and ranks the strategic supplier first', async () => {
    const high = await post(strategicSupplier);
    const low = await post(officeSupplies);
    expect(high.status).toBe(200);
    expect(low.status).toBe(200);
    for (const r of [high, low]) {
      const p = r.json.priority as {
        score: number;
        factors: { points: number }[];
        tier: string;
        route: string;
      };
      const sum = p.factors.reduce((s, f) => s + Math.round(f.points * 100), 0);
      expect(sum).toBe(Math.round(p.score * 100));
      expect(p.route).toEqual(expect.any(String));
      expect(r.json.features).toBeDefined();
    }
    const [h, l] = [high, low].map((r) => r.json.priority as { score: number; tier: string });
    expect(h.score).toBeGreaterThan(l.score);
    expect(h.tier < l.tier).toBe(true); // p1 < p4 as strings
  });

  it('names the missing field and the malformed time', async () => {
    const missing = await post({ exception: { domain: 'finance' } });
    expect(missing.status).toBe(400);
    expect(missing.json.issues).toEqual([expect.objectContaining({ pointer: '/exception/type' })]);
    const badNow = await post(officeSupplies, 'yesterday');
    expect(badNow.status).toBe(400);
    expect(badNow.json.message).toMatch(/now="yesterday" is not an ISO 8601 time/);
  });
});
