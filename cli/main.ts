/**
 * The `cxr` CLI dispatcher. It only parses arguments and hands over to a command module; each
 * service's composition root (`agent/main.ts`, `hub/main.ts`, ...) does the wiring.
 */
import { Command } from 'commander';
import { commandsFor } from './commands/index.ts';

const program = new Command('cxr')
  .description('cxr-edge: chest X-ray screening at the edge')
  .showHelpAfterError()
  .exitOverride((error) => {
    // commander's own usage errors (unknown option, missing argument) are bad input: exit 2.
    process.exit(error.exitCode === 0 ? 0 : 2);
  });

for (const command of await commandsFor(process.argv.slice(2))) command.register(program);

await program.parseAsync(process.argv);
