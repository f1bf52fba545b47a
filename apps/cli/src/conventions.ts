/**
 * The command-line conventions every `exhub` command follows: the version, exit code 2 for a
 * usage error (commander's own parse errors included), and NO_COLOR / FORCE_COLOR.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CommanderError } from 'commander';

/** Exit code of a usage error: a bad flag, a bad choice, a missing argument. */
export const EXIT_USAGE = 2;
/** Commander's codes for "help or version printed as asked": they keep their exit code 0. */
const INFORMATIONAL = new Set(['commander.helpDisplayed', 'commander.version']);

/**
 * The process exit code of a `CommanderError`. Commander exits 1 on its own parse errors
 * (`commander.unknownOption`, `commander.invalidArgument`, …); `exhub` promises 2 for those, so a
 * script can tell a typo from a broker failure (1). Errors thrown with an explicit code keep it.
 */
export function commanderExitCode(err: CommanderError): number {
  if (INFORMATIONAL.has(err.code)) return err.exitCode;
  if (err.code.startsWith('commander.') && err.exitCode === 1) return EXIT_USAGE;
  return err.exitCode;
}

/** The version in the repository's package.json, found upward from this file (source or dist). */
export function cliVersion(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'exception-hub' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

/**
 * Whether to write ANSI colour to `stream`: never with NO_COLOR set (https://no-color.org) or
 * FORCE_COLOR=0/false; always with FORCE_COLOR set otherwise; else only on a terminal. The same
 * rule commander applies to its help.
 */
export function colorEnabled(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR || env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.FORCE_COLOR !== undefined) return true;
  return Boolean(stream.isTTY);
}
