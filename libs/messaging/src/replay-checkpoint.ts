/**
 * Replay checkpoints: one JSON file per named replay (`<dir>/<name>.json`) holding the request and
 * how far it got, so `exhub replay --resume <name>` continues after the last archive offset whose
 * re-publish the broker confirmed. Written atomically (temp file + rename).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReplayPosition } from './replay';

/** What was asked for; a resumed run repeats exactly this. */
export interface ReplayRequest {
  prefix: string;
  from: string;
  to: string;
  connector?: string;
  objectType?: string;
  sourceEventId?: string;
  /** JSONata predicate over the payload, as typed. */
  filter?: string;
  ratePerSecond: number;
}

export interface ReplayCheckpoint extends ReplayPosition {
  name: string;
  createdAt: string;
  updatedAt: string;
  request: ReplayRequest;
  done: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export function checkpointFile(dir: string, name: string): string {
  if (!NAME.test(name)) {
    throw new RangeError(
      `replay name "${name}" must be 1–100 letters, digits, '.', '_' or '-' (it names the file ${dir}/<name>.json)`,
    );
  }
  return join(dir, `${name}.json`);
}

export async function readCheckpoint(dir: string, name: string): Promise<ReplayCheckpoint> {
  const file = checkpointFile(dir, name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `no replay checkpoint "${name}" in ${dir} (${file} does not exist) — start one with exhub replay --name ${name} --from … --to …, or set --checkpoint-dir`,
        { cause: error },
      );
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${file} is not valid JSON (${(error as Error).message}) — delete it and start over`,
      {
        cause: error,
      },
    );
  }
  const cp = parsed as Partial<ReplayCheckpoint>;
  if (
    typeof cp !== 'object' ||
    cp === null ||
    typeof cp.endOffset !== 'number' ||
    typeof cp.request?.from !== 'string' ||
    typeof cp.request?.to !== 'string' ||
    typeof cp.request?.prefix !== 'string'
  ) {
    throw new Error(
      `${file} is not a replay checkpoint (needs endOffset and request.from/to/prefix) — delete it and start over`,
    );
  }
  return cp as ReplayCheckpoint;
}

export async function writeCheckpoint(dir: string, checkpoint: ReplayCheckpoint): Promise<string> {
  const file = checkpointFile(dir, checkpoint.name);
  await mkdir(dir, { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(checkpoint, null, 2)}\n`);
  await rename(temp, file);
  return file;
}
