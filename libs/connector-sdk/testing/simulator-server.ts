/**
 * What every connector's HTTP simulator shares: it listens on 127.0.0.1 (port 0, an ephemeral one,
 * unless given; the same port again after `stop()`), `stop()` refuses connections until `start()`,
 * and a queue of injected failures (`fail(kind, count)`, `heal()`) that the simulator consumes one
 * request at a time with `nextFailure()`. Subclasses answer requests in `handle()` and count what
 * they call a request in `requests`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export abstract class SimulatorServer<F extends string> {
  /** Requests the simulator counted (each simulator says which ones; failed ones included). */
  requests = 0;
  /** The port listened on: the one given, else the one the first `start()` got. */
  protected port: number;
  private failures: { kind: F; remaining: number }[] = [];
  private server?: Server;

  protected constructor(port = 0) {
    this.port = port;
  }

  /** Listens (again, on the same port after `stop()`). */
  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops answering: connections are refused until `start()`. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.stop();
  }

  /** The next `count` requests that consult `nextFailure()` fail as `kind`. */
  fail(kind: F, count = 1): void {
    this.failures.push({ kind, remaining: count });
  }

  /** Clears queued failures. */
  heal(): void {
    this.failures = [];
  }

  /** The failure this request suffers, if any, in the order they were queued. */
  protected nextFailure(): F | undefined {
    const f = this.failures[0];
    if (!f) return undefined;
    if (--f.remaining <= 0) this.failures.shift();
    return f.kind;
  }

  /** Answers one request. */
  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}
