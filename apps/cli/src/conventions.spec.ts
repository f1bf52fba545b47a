import { CommanderError, type Command } from 'commander';
import { buildProgram } from './main';
import { cliVersion, colorEnabled, commanderExitCode, EXIT_USAGE } from './conventions';
import { columnsOf } from './simulate/worklist-watch';

/** Every command of the program, depth first. */
function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

/** Parses argv as `exhub <args>` would, with output captured; returns the exit code main() gives. */
function exitCodeOf(args: string[]): { code: number; err: string } {
  let err = '';
  const program = buildProgram();
  for (const c of allCommands(program)) {
    c.configureOutput({ writeOut: () => undefined, writeErr: (s) => (err += s) });
  }
  try {
    program.parse(['node', 'exhub', ...args]);
    return { code: 0, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: commanderExitCode(e), err };
    throw e;
  }
}

describe('exhub command-line conventions', () => {
  it.each([
    [['replay', '--bogus']],
    [['keys', 'create', '--role', 'god', '--name', 'x']],
    [['connectors', 'new', 'acme', '--kind', 'ftp']],
    [['simulate', '--rate', 'fast']],
    [['no-such-command']],
  ])('a parse error (%j) exits 2, not 1 as commander does', (args) => {
    const { code, err } = exitCodeOf(args);
    expect(code).toBe(EXIT_USAGE);
    expect(err).toMatch(/error:/);
  });

  it('help and --version exit 0; --version prints the package version', () => {
    expect(exitCodeOf(['--help']).code).toBe(0);
    expect(exitCodeOf(['--version']).code).toBe(0);
    expect(cliVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(buildProgram().version()).toBe(cliVersion());
  });

  it('an error with its own exit code keeps it', () => {
    expect(commanderExitCode(new CommanderError(3, 'exhub.partial', 'x'))).toBe(3);
    expect(commanderExitCode(new CommanderError(1, 'exhub.failed', 'x'))).toBe(1);
  });

  it('help shows every default as text, never as JSON of a parsed object', () => {
    for (const command of allCommands(buildProgram())) {
      const help = command.helpInformation().replace(/\s+/g, ' ');
      expect({ command: command.name(), help }).not.toEqual(
        expect.objectContaining({ help: expect.stringMatching(/default: [{[]/) }),
      );
    }
    const simulate = buildProgram().commands.find((c) => c.name() === 'simulate');
    expect(simulate?.helpInformation().replace(/\s+/g, ' ')).toContain('(default: 60s)');
  });

  it('NO_COLOR turns colour off, FORCE_COLOR on, else only a terminal gets it', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: '' })).toBe(true);
    expect(colorEnabled({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
  });

  it('off a terminal the worklist is as wide as COLUMNS says, else unlimited', () => {
    expect(columnsOf({ isTTY: true, columns: 90 }, {})).toBe(90);
    expect(columnsOf({ isTTY: false }, { COLUMNS: '132' })).toBe(132);
    expect(columnsOf({ isTTY: false }, {})).toBe(Number.POSITIVE_INFINITY);
  });
});
