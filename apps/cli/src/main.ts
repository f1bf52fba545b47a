#!/usr/bin/env node
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { COMMAND_GROUPS } from './commands';
import { cliVersion, commanderExitCode } from './conventions';

/**
 * `exhub`: the hub's command line for data stewards and SREs. Each command group lives in its
 * own file under commands/ and registers itself with one line in commands/index.ts.
 */
export function buildProgram(): Command {
  const program = new Command('exhub')
    .description('Exception Hub command line: mappings, replay, dead letters, connectors')
    .version(cliVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of COMMAND_GROUPS) register(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) return commanderExitCode(err);
    process.stderr.write(`exhub: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => process.exit(code));
}
