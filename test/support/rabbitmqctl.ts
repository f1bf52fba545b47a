/**
 * Short, always-restored disturbances of the shared local broker for reliability tests: a restart
 * of the RabbitMQ application and a memory alarm. Other tests share the broker, so callers keep
 * the windows short and restore in `finally`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Longest a single rabbitmqctl call may take. */
const CTL_TIMEOUT_MS = 60_000;

export async function rabbitmqctl(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('rabbitmqctl', args, { timeout: CTL_TIMEOUT_MS });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(
      `rabbitmqctl ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim()} — ` +
        'these tests need the local broker and the right to run rabbitmqctl (root or the rabbitmq user)',
      { cause: error },
    );
  }
}

/** The broker's current `vm_memory_high_watermark`, in the form `set_vm_memory_high_watermark` takes. */
export async function memoryWatermark(): Promise<string[]> {
  const env = await rabbitmqctl('environment');
  const absolute = /\{vm_memory_high_watermark,\s*\{absolute,\s*"?([^"}\s]+)"?\}\}/.exec(env);
  if (absolute) return ['absolute', absolute[1]];
  const relative = /\{vm_memory_high_watermark,\s*([0-9.]+)\}/.exec(env);
  if (relative) return [relative[1]];
  throw new Error('cannot read vm_memory_high_watermark from `rabbitmqctl environment`');
}

/** Raise a memory alarm (the broker blocks publishing connections) until `restore` is called. */
export async function raiseMemoryAlarm(): Promise<{ restore: () => Promise<void> }> {
  const original = await memoryWatermark();
  await rabbitmqctl('set_vm_memory_high_watermark', '0.000001');
  return {
    restore: async () => {
      await rabbitmqctl('set_vm_memory_high_watermark', ...original);
    },
  };
}

/**
 * Stop the RabbitMQ application (the node stays up) for `outageMs`, then start it and wait until
 * it is up. `whileDown` runs during the outage (its time counts in `outageMs`); the broker is
 * started again whatever it or the pause throws.
 */
export async function restartBrokerApp(
  outageMs: number,
  whileDown: () => Promise<void> = async () => undefined,
): Promise<void> {
  await rabbitmqctl('stop_app');
  const started = Date.now();
  try {
    await whileDown();
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, outageMs - (Date.now() - started))),
    );
  } finally {
    await rabbitmqctl('start_app');
    await rabbitmqctl('await_startup');
  }
}

/**
 * Close the broker side of the connection whose `connection_name` is `name` (as a broker restart
 * or a network cut would), leaving every other connection alone.
 */
export async function closeConnectionNamed(name: string, reason: string): Promise<void> {
  // The plain formatter prints pids in the form close_connection accepts (`<rabbit@host.1.2.3>`).
  const listed = await rabbitmqctl('list_connections', '-q', 'pid', 'client_properties');
  const line = listed.split('\n').find((l) => l.includes(`"${name}"`));
  const pid = line?.split('\t')[0];
  if (!pid) throw new Error(`no broker connection named "${name}" (rabbitmqctl list_connections)`);
  await rabbitmqctl('close_connection', pid, reason);
}
