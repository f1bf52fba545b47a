import type { Command } from 'commander';
import { registerAuditCommands } from './audit';
import { registerConnectorsCommands } from './connectors';
import { registerDlqCommands } from './dlq';
import { registerFxCommands } from './fx';
import { registerKeysCommands } from './keys';
import { registerMappingsCommands } from './mappings';
import { registerModelCommands } from './model';
import { registerPriorityCommands } from './priority';
import { registerReplayCommand } from './replay';
import { registerSimulateCommands } from './simulate';

/** One line per command group: `(program) => void` that adds its commands. */
export const COMMAND_GROUPS: ((program: Command) => void)[] = [
  registerMappingsCommands,
  registerReplayCommand,
  registerDlqCommands,
  registerPriorityCommands,
  registerModelCommands,
  registerAuditCommands,
  registerKeysCommands,
  registerConnectorsCommands,
  registerSimulateCommands,
  registerFxCommands,
];
