/** Every `cxr` subcommand, one module each. Adding a command is one file and one line here. */
import type { Command } from 'commander';
import { agentCommand } from './agent.ts';
import { benchCommand } from './bench.ts';
import { bundleCommand } from './bundle.ts';
import { demoCommand } from './demo.ts';
import { evalCommand } from './eval.ts';
import { exportCommand } from './export.ts';
import { hubCommand } from './hub.ts';
import { inferCommand } from './infer.ts';
import { keysCommand } from './keys.ts';
import { publishCommand } from './publish.ts';
import { readCommand } from './read.ts';
import { rolloutCommand } from './rollout.ts';
import { searchCommand } from './search.ts';
import { trainCommand } from './train.ts';
import { trainerCommand } from './trainer.ts';

export interface CommandModule {
  register(program: Command): void;
}

export const commands: CommandModule[] = [
  readCommand,
  hubCommand,
  agentCommand,
  inferCommand,
  keysCommand,
  demoCommand,
  trainCommand,
  evalCommand,
  exportCommand,
  searchCommand,
  benchCommand,
  publishCommand,
  rolloutCommand,
  bundleCommand,
  trainerCommand,
];
