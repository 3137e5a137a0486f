/**
 * Every `cxr` subcommand, one module each, loaded on demand: `cxr agent` loads the agent's modules and not the
 * hub's or the trainer's (a start-up that matters when the agent restarts, and in the chaos test's kill -9s).
 * Adding a command is one file and one line here.
 */
import type { Command } from 'commander';

export interface CommandModule {
  register(program: Command): void;
}

export const COMMANDS: Readonly<Record<string, () => Promise<CommandModule>>> = {
  read: async () => (await import('./read.ts')).readCommand,
  hub: async () => (await import('./hub.ts')).hubCommand,
  agent: async () => (await import('./agent.ts')).agentCommand,
  infer: async () => (await import('./infer.ts')).inferCommand,
  keys: async () => (await import('./keys.ts')).keysCommand,
  demo: async () => (await import('./demo.ts')).demoCommand,
  train: async () => (await import('./train.ts')).trainCommand,
  eval: async () => (await import('./eval.ts')).evalCommand,
  export: async () => (await import('./export.ts')).exportCommand,
  'refit-gate': async () => (await import('./refit-gate.ts')).refitGateCommand,
  search: async () => (await import('./search.ts')).searchCommand,
  bench: async () => (await import('./bench.ts')).benchCommand,
  publish: async () => (await import('./publish.ts')).publishCommand,
  rollout: async () => (await import('./rollout.ts')).rolloutCommand,
  bundle: async () => (await import('./bundle.ts')).bundleCommand,
  trainer: async () => (await import('./trainer.ts')).trainerCommand,
};

/** The modules `argv` needs: the named subcommand's alone, or all of them (help, an unknown name). */
export async function commandsFor(argv: readonly string[]): Promise<CommandModule[]> {
  const name = argv.find((arg) => !arg.startsWith('-'));
  const one = name === undefined ? undefined : COMMANDS[name];
  return one ? [await one()] : Promise.all(Object.values(COMMANDS).map((load) => load()));
}
