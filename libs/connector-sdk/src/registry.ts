import type { Connector, ConnectorKind } from './connector';

/** The injection token under which the hub provides its `ConnectorRegistry`. */
export const CONNECTORS = Symbol('CONNECTORS');

/** The connector instances this process runs, by instance id. */
export class ConnectorRegistry {
  private readonly byId = new Map<string, Connector>();

  register(connector: Connector): void {
    if (this.byId.has(connector.id)) {
      throw new Error(`connector id '${connector.id}' is registered twice — ids must be unique`);
    }
    this.byId.set(connector.id, connector);
  }

  get(id: string): Connector | undefined {
    return this.byId.get(id);
  }

  list(kind?: ConnectorKind): Connector[] {
    return [...this.byId.values()].filter((c) => !kind || c.kind === kind);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.byId.values()].map((c) => c.close?.().catch(() => undefined)));
  }
}
