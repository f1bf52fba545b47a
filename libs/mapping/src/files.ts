import { readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';

/** Every file under `dir` whose name ends with `suffix`, sorted so load order is stable. */
export async function findFiles(dir: string, suffix: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return select(entries, suffix);
}

/** Synchronous findFiles, for test discovery (Jest declares tests synchronously). */
export function findFilesSync(dir: string, suffix: string): string[] {
  return select(readdirSync(dir, { recursive: true, withFileTypes: true }), suffix);
}

function select(
  entries: readonly { name: string; parentPath: string; isFile(): boolean }[],
  suffix: string,
): string[] {
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The path to show a user: relative to the working directory when inside it. */
export function displayFile(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
