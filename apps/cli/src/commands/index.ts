import type { Command } from 'commander';

/** One line per command group: `(program) => void` that adds its commands. */
export const COMMAND_GROUPS: ((program: Command) => void)[] = [];
