/**
 * A TCP proxy under the test's control, between the hub and one service (RabbitMQ, PostgreSQL), to
 * inject network faults without touching the shared service itself:
 * - `stall()`: stop forwarding in both directions (bytes are held, connections stay open), as a
 *   hung broker or a silent network would; `resume()` delivers what was held, in order.
 * - `cut()`: reset every open connection (the service "crashed"); new ones are still accepted.
 * - `down()`: `cut()` and refuse new connections until `up()` (the service is gone).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Chunks held while stalled, per direction. */
  held: { toUpstream: Buffer[]; toClient: Buffer[] };
}

export class FaultProxy {
  private readonly pairs = new Set<Pair>();
  private stalled = false;
  private refusing = false;
  /** Connections accepted since start (a reconnect shows up here). */
  accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.onConnection(client));
  }

  /** Listens on 127.0.0.1 (a free port) and forwards to `host:port`. */
  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as { port: number };
    return new FaultProxy(server, port, target);
  }

  /** `url` with its host and port replaced by this proxy's. */
  proxied(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** Connections open through the proxy now. */
  get open(): number {
    return this.pairs.size;
  }

  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
    for (const pair of this.pairs) {
      for (const chunk of pair.held.toUpstream.splice(0)) pair.upstream.write(chunk);
      for (const chunk of pair.held.toClient.splice(0)) pair.client.write(chunk);
    }
  }

  /** Resets every open connection (RST to both ends); later connections are forwarded. */
  cut(): void {
    for (const pair of this.pairs) this.drop(pair);
  }

  /** Resets every open connection and refuses new ones until `up()`. */
  down(): void {
    this.refusing = true;
    this.cut();
  }

  up(): void {
    this.refusing = false;
  }

  async close(): Promise<void> {
    this.down();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(client: Socket): void {
    if (this.refusing) {
      client.resetAndDestroy();
      return;
    }
    this.accepted += 1;
    const upstream = connect({ host: this.target.host, port: this.target.port, noDelay: true });
    const pair: Pair = { client, upstream, held: { toUpstream: [], toClient: [] } };
    this.pairs.add(pair);
    const forward = (to: Socket, held: Buffer[]) => (chunk: Buffer) => {
      if (this.stalled) held.push(chunk);
      else to.write(chunk);
    };
    client.on('data', forward(upstream, pair.held.toUpstream));
    upstream.on('data', forward(client, pair.held.toClient));
    // Either side closing or failing closes the other: the proxy is transparent to endings.
    const end = () => this.drop(pair);
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    for (const socket of [pair.client, pair.upstream]) {
      if (!socket.destroyed) socket.resetAndDestroy();
    }
  }
}
