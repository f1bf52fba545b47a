import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimulatorServer } from './simulator-server';

type Failure = '5xx' | '429' | 'hang';

/** Counts every request and answers the failure it suffers (`200 ok` without one; never on `hang`). */
class EchoSimulator extends SimulatorServer<Failure> {
  constructor(port?: number) {
    super(port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  protected async handle(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const failure = this.nextFailure();
    if (failure === 'hang') return;
    res.writeHead(failure === '5xx' ? 503 : failure === '429' ? 429 : 200);
    res.end(failure ?? 'ok');
  }
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

describe('SimulatorServer', () => {
  let sim: EchoSimulator;

  beforeEach(async () => {
    sim = new EchoSimulator();
    await sim.start();
  });

  afterEach(() => sim.close());

  it('listens on 127.0.0.1 on an ephemeral port', async () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.url).not.toMatch(/:0$/);
    expect(await get(sim.url)).toEqual({ status: 200, body: 'ok' });
  });

  it('refuses connections while stopped, and listens on the same port after start()', async () => {
    const url = sim.url;
    await sim.stop();
    await expect(fetch(url)).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
    });
    await sim.stop(); // stopping twice is harmless
    await sim.start();
    expect(sim.url).toBe(url);
    expect(await get(url)).toEqual({ status: 200, body: 'ok' });
  });

  it('stop() drops requests in flight instead of waiting for their answer', async () => {
    sim.fail('hang');
    const pending = fetch(sim.url);
    while (sim.requests === 0) await new Promise((r) => setTimeout(r, 5));
    await sim.stop();
    await expect(pending).rejects.toThrow();
  });

  it('consumes queued failures in order, each as often as asked, and counts every request', async () => {
    sim.fail('5xx', 2);
    sim.fail('429');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(sim.url)).status);
    expect(statuses).toEqual([503, 503, 429, 200]);
    expect(sim.requests).toBe(4);
  });

  it('fails once by default', async () => {
    sim.fail('429');
    expect((await get(sim.url)).status).toBe(429);
    expect((await get(sim.url)).status).toBe(200);
  });

  it('heal() clears the queued failures', async () => {
    sim.fail('5xx', 3);
    expect((await get(sim.url)).status).toBe(503);
    sim.heal();
    expect((await get(sim.url)).status).toBe(200);
    expect(sim.requests).toBe(2);
  });

  it('listens on the port it is given', async () => {
    const port = Number(new URL(sim.url).port);
    await sim.close();
    const fixed = new EchoSimulator(port);
    await fixed.start();
    try {
      expect(fixed.url).toBe(`http://127.0.0.1:${port}`);
      expect((await get(fixed.url)).status).toBe(200);
    } finally {
      await fixed.close();
    }
  });
});
