/**
 * Blocks the shared local broker for a short window by lowering its memory high watermark
 * (`rabbitmqctl set_vm_memory_high_watermark 0.000001`), the way a real memory alarm blocks
 * publishers — without stopping RabbitMQ, which other users of the broker depend on. The value in
 * force before is read first and ALWAYS restored exactly (finally, and on SIGINT/SIGTERM).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const RABBITMQCTL_TIMEOUT_MS = 30_000;
const BLOCKING_WATERMARK = '0.000001';
/** Below this fraction (or 64 MiB absolute) the broker is taken to be in someone else's alarm test. */
const LOWEST_NORMAL_FRACTION = 0.05;
const LOWEST_NORMAL_BYTES = 64 * 2 ** 20;

const run = promisify(execFile);

/** Async, so the benchmark keeps sampling while rabbitmqctl (an Erlang VM, ~2 s) starts. */
async function rabbitmqctl(args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['--quiet', ...args], {
    encoding: 'utf8',
    timeout: RABBITMQCTL_TIMEOUT_MS,
  });
  return stdout.trim();
}

/** The watermark in force now, as `set_vm_memory_high_watermark` arguments. */
export async function currentWatermark(): Promise<string[]> {
  const raw = await rabbitmqctl(['eval', 'vm_memory_monitor:get_vm_memory_high_watermark().']);
  const absolute = /^\{absolute,\s*(\d+)\}$/.exec(raw);
  if (absolute) return ['absolute', absolute[1]];
  if (/^\d+(\.\d+)?(e-?\d+)?$/i.test(raw)) return [raw];
  throw new Error(`cannot parse the broker's memory high watermark: ${raw}`);
}

/**
 * Runs `during()` with the broker's memory alarm raised; restores the previous watermark
 * however `during` ends. Returns the window (ms) from just before the alarm was set until the
 * restore returned.
 */
export async function withMemoryAlarm<T>(
  during: () => Promise<T>,
): Promise<{ value: T; previous: string; windowMs: number }> {
  const previous = await currentWatermark();
  // Another user of the shared broker may be running the same trick right now: "restoring" their
  // blocking value would leave the broker blocked for everyone. Refuse instead.
  const lowered =
    previous[0] === 'absolute'
      ? Number(previous[1]) < LOWEST_NORMAL_BYTES
      : Number(previous[0]) < LOWEST_NORMAL_FRACTION;
  if (lowered) {
    throw new Error(
      `the broker's memory high watermark is already ${previous.join(' ')} (another alarm test running?); not touching it`,
    );
  }
  let restored = false;
  const restore = async () => {
    if (restored) return;
    restored = true;
    await rabbitmqctl(['set_vm_memory_high_watermark', ...previous]);
  };
  const onSignal = () => {
    if (!restored) {
      restored = true;
      execFileSync('rabbitmqctl', ['--quiet', 'set_vm_memory_high_watermark', ...previous]);
    }
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const t0 = Date.now();
  let value: T;
  let windowMs: number;
  try {
    await rabbitmqctl(['set_vm_memory_high_watermark', BLOCKING_WATERMARK]);
    value = await during();
  } finally {
    await restore();
    windowMs = Date.now() - t0;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if ((await currentWatermark()).join(' ') !== previous.join(' '))
      console.error(`bench: WARNING the broker watermark is not back to ${previous.join(' ')}`);
  }
  return { value, previous: previous.join(' '), windowMs };
}
