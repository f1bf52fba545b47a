import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers the calling thread's scheduling priority to `nice` (EXHUB_PIPELINE_THREAD_NICE), leaving
 * the process's other threads — HTTP above all — as they are. Linux only: there every thread has
 * its own nice value, set with setpriority() on its thread id, which `/proc/thread-self` names.
 * Raising one's own nice value needs no privilege. Returns what was done, for the log line; never
 * throws (elsewhere, or if the kernel refuses, the thread keeps the process's priority).
 */
export function lowerThreadPriority(
  nice: number,
  readLink: (path: string) => string = readlinkSync,
): { applied: true; tid: number } | { applied: false; reason: string } {
  if (nice <= 0) return { applied: false, reason: 'EXHUB_PIPELINE_THREAD_NICE=0' };
  if (process.platform !== 'linux') {
    return { applied: false, reason: `per-thread priority is Linux only (${process.platform})` };
  }
  try {
    // "<pid>/task/<tid>"
    const tid = Number(readLink('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) {
      return { applied: false, reason: 'no thread id in /proc/thread-self' };
    }
    setPriority(tid, nice);
    return { applied: true, tid };
  } catch (err) {
    return { applied: false, reason: (err as Error).message };
  }
}
