/** Items of one caller, and how to settle that caller with their results (or an error). */
export interface WritePart<T, R> {
  items: T[];
  resolve(results: R[]): void;
  reject(error: unknown): void;
}

export interface WriteTogetherHooks {
  /** Told when the parts were written together in one call that succeeded (parts, items). */
  onTogether?(parts: number, items: number): void;
  /** Told when that call failed and each part is then written on its own. */
  onFallback?(error: unknown, parts: number): void;
}

/**
 * Writes the items of several callers in ONE call of `write` (one transaction), in the parts'
 * order, and gives each caller its own slice of the results. If that call fails, nothing of it
 * was committed, and each part is written again on its own, one after another, settling with its
 * own result or error: one bad row fails only its own caller. One part: written alone.
 * Used by the pipeline worker's group commit of a micro-batch (apps/hub group-commit.ts) and by
 * CommitQueue (commit-queue.ts).
 */
export async function writeTogether<T, R>(
  write: (items: T[]) => Promise<R[]>,
  parts: WritePart<T, R>[],
  hooks: WriteTogetherHooks = {},
): Promise<void> {
  if (parts.length === 0) return;
  if (parts.length === 1) {
    await writeAlone(write, parts[0]);
    return;
  }
  const all = parts.flatMap((p) => p.items);
  let results: R[];
  try {
    results = await write(all);
    if (results.length !== all.length) {
      throw new Error(`${results.length} results for ${all.length} items written together`);
    }
  } catch (error) {
    hooks.onFallback?.(error, parts.length);
    for (const p of parts) await writeAlone(write, p);
    return;
  }
  hooks.onTogether?.(parts.length, all.length);
  let at = 0;
  for (const p of parts) {
    p.resolve(results.slice(at, at + p.items.length));
    at += p.items.length;
  }
}

/** Writes one part in a call of its own and settles it. */
export async function writeAlone<T, R>(
  write: (items: T[]) => Promise<R[]>,
  part: WritePart<T, R>,
): Promise<void> {
  try {
    part.resolve(await write(part.items));
  } catch (error) {
    part.reject(error);
  }
}
