import { watch, type FSWatcher } from 'chokidar';
import { constants as fsConstants } from 'node:fs';
import { lstat, mkdir, open, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { formatIssues, HubError } from '@exhub/core';
import type { DropFolderHandle, DropSubmit } from '@exhub/connector-sdk';
import { XML_DEFAULT_MAX_BYTES } from '@exhub/connector-sdk';

/** Where handled files go, inside the drop folder. */
export const PROCESSED_DIR = 'processed';
export const FAILED_DIR = 'failed';
/** Suffix of the file that says why a file failed: `failed/<name>.reason.txt`. */
export const REASON_SUFFIX = '.reason.txt';
/** A file is taken once its size has not changed for this long (a copy still in progress is not). */
export const DROP_STABILITY_MS = 500;
/** How long a file waits before another try when the broker could not confirm it. */
export const DROP_RETRY_MS = 30_000;
const DROP_EXTENSION = /\.xml$/i;
const STABILITY_POLL_MS = 100;
/**
 * Names a drop file may not have: parent references, path separators of any platform, control
 * characters, and a leading dot (hidden and `..`-style names). No real export needs them, and
 * they are how traversal is attempted.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_NAME = /(^\.)|\.\.|[\\/:\u0000-\u001f\u007f]/;
/** Opened without following a link, and without blocking if a FIFO was swapped in after lstat. */
const OPEN_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

/** What a directory entry is, for the log line of a skipped one. */
function kindOf(stats: {
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isDirectory(): boolean;
}): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isDirectory()) return 'a directory';
  return 'not a regular file';
}

export interface DropFolderLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface DropFolderOptions {
  /** The watched folder; `processed/` and `failed/` are created inside it. */
  folder: string;
  /** Publishes one file's bytes like a webhook body; resolves once the broker confirmed. */
  submit: DropSubmit;
  log?: DropFolderLog;
  stabilityMs?: number;
  retryMs?: number;
  maxBytes?: number;
}

const silent: DropFolderLog = { info: () => undefined, warn: () => undefined };

/**
 * Watches a folder for `*.xml` files (those present at start too) and publishes each like a
 * webhook delivery, without a signature: whoever can write to the folder is trusted, so protect it
 * with file permissions. A published file moves to `processed/`; a refused one to `failed/` with a
 * `<name>.reason.txt` beside it; one the broker could not confirm stays and is tried again.
 * Files are handled one at a time, in the order they settled.
 */
export class DropFolderWatcher implements DropFolderHandle {
  private watcher?: FSWatcher;
  private queue: Promise<void> = Promise.resolve();
  private readonly retries = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly log: DropFolderLog;

  constructor(private readonly options: DropFolderOptions) {
    this.log = options.log ?? silent;
  }

  async start(): Promise<void> {
    const { folder } = this.options;
    await mkdir(join(folder, PROCESSED_DIR), { recursive: true });
    await mkdir(join(folder, FAILED_DIR), { recursive: true });
    const stability = this.options.stabilityMs ?? DROP_STABILITY_MS;
    this.watcher = watch(folder, {
      depth: 0,
      ignoreInitial: false,
      awaitWriteFinish: { stabilityThreshold: stability, pollInterval: STABILITY_POLL_MS },
      // A link is reported as itself and then skipped by `read`: its target is never read.
      followSymlinks: false,
      // Only files directly in the folder; processed/ and failed/ are never descended into.
      ignored: (path, stats) =>
        path !== folder &&
        (stats?.isDirectory() === true || (stats?.isFile() === true && !DROP_EXTENSION.test(path))),
    });
    // `change` too: a file dropped again under the name of one just moved away can be reported
    // as a change of the old one. A path handled twice finds nothing the second time (ENOENT).
    const take = (path: string) => {
      if (DROP_EXTENSION.test(path)) this.enqueue(path);
    };
    this.watcher.on('add', take).on('change', take);
    await new Promise<void>((resolve) => this.watcher?.once('ready', () => resolve()));
  }

  /** Stops watching and waits for the file in hand; files not yet taken stay for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    await this.watcher?.close();
    await this.queue;
  }

  private enqueue(path: string): void {
    this.queue = this.queue.then(() => this.handle(path));
  }

  private async handle(path: string): Promise<void> {
    if (this.closed) return;
    const name = basename(path);
    let rawBody: Buffer;
    try {
      const read = await this.read(path, name);
      if (read === 'skipped') return;
      if (typeof read === 'string') {
        await this.fail(path, read);
        return;
      }
      rawBody = read;
    } catch (err) {
      // Gone already (another hub process took it, or it was moved away): nothing to do.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      await this.options.submit(rawBody, name);
    } catch (err) {
      if (err instanceof HubError && err.errorClass === 'TRANSIENT') {
        const retryMs = this.options.retryMs ?? DROP_RETRY_MS;
        this.log.warn(
          { file: name, retryInMs: retryMs, err: err.message },
          'drop file not accepted yet; will retry',
        );
        const timer = setTimeout(() => {
          this.retries.delete(timer);
          this.enqueue(path);
        }, retryMs);
        this.retries.add(timer);
        return;
      }
      const issues =
        err instanceof HubError && err.issues.length > 0 ? `\n${formatIssues(err.issues)}` : '';
      await this.fail(path, `${(err as Error).message}${issues}`);
      return;
    }
    await this.moveAside(path, PROCESSED_DIR);
    this.log.info({ file: name }, 'drop file published and moved to processed/');
  }

  /**
   * The file's bytes, only when it is a regular file really inside the folder: a symbolic link
   * (to anywhere), a FIFO, a device, a socket or a traversal-style name is skipped and logged,
   * never opened (a FIFO would block the folder, a link would read what it points at, as root).
   * A regular file that is too large yields the reason to refuse it.
   */
  private async read(path: string, name: string): Promise<Buffer | string | 'skipped'> {
    const skip = (why: string) => {
      this.log.warn({ file: name, why }, `drop file skipped: ${why}; it is not read`);
      return 'skipped' as const;
    };
    if (UNSAFE_NAME.test(name))
      return skip('its name has a leading dot, "..", a separator or a control character');
    const entry = await lstat(path);
    if (!entry.isFile()) return skip(`it is ${kindOf(entry)}, not a regular file`);
    // A hard link is a regular file inside the folder that may be another file anywhere on disk.
    if (entry.nlink > 1) return skip(`it has ${entry.nlink} hard links; copy the file instead`);
    const inside = join(await realpath(this.options.folder), name);
    if ((await realpath(path)) !== inside) return skip('it resolves to a path outside the folder');
    const maxBytes = this.options.maxBytes ?? XML_DEFAULT_MAX_BYTES;
    let handle;
    try {
      handle = await open(path, OPEN_FLAGS);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') return skip('it became a symbolic link');
      throw err;
    }
    try {
      // The entry could have been replaced between lstat and open: check what was opened.
      const opened = await handle.stat();
      if (!opened.isFile() || opened.ino !== entry.ino || opened.dev !== entry.dev) {
        return skip('it was replaced while being opened');
      }
      if (opened.size > maxBytes) {
        return `the file is ${opened.size} bytes; at most ${maxBytes} are accepted — split it`;
      }
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  private async fail(path: string, reason: string): Promise<void> {
    const target = await this.moveAside(path, FAILED_DIR);
    // Written aside then renamed: whoever watches failed/ never reads a half-written reason.
    const reasonFile = `${target}${REASON_SUFFIX}`;
    await writeFile(`${reasonFile}.partial`, `${reason}\n`, 'utf8');
    await rename(`${reasonFile}.partial`, reasonFile);
    this.log.warn({ file: basename(path), reason }, 'drop file refused and moved to failed/');
  }

  /** Moves into `dir`, never over an earlier file of the same name. */
  private async moveAside(path: string, dir: string): Promise<string> {
    const name = basename(path);
    let target = join(this.options.folder, dir, name);
    try {
      await stat(target);
      target = join(
        this.options.folder,
        dir,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${name}`,
      );
    } catch {
      // No file of that name yet: keep the name.
    }
    await rename(path, target);
    return target;
  }
}
