/**
 * `cxr trainer serve --config <file>`: the long-running trainer service (docs/trainer.md#trainer-service) until
 * SIGTERM/SIGINT; the job in progress stays running on the hub and resumes at the next start. Bad config exits 2.
 */
import type { Command } from 'commander';
import { asCxrError } from '../../models/errors.ts';
import { startTrainerService } from '../../trainer/main.ts';
import { loadTrainerConfig } from '../../trainer/service/service-config.ts';
import type { CommandModule } from './index.ts';

export const trainerCommand: CommandModule = {
  register(program: Command) {
    const trainer = program.command('trainer').description('the trainer service: jobs from the hub, one at a time');
    trainer
      .command('serve')
      .description('claim training jobs from the hub and run them (fine-tune, recalibrate, search)')
      .requiredOption('-c, --config <file>', 'trainer config (JSON); CXR_TRAINER_* env vars override it')
      .action(async (options: { config: string }) => {
        try {
          const service = await startTrainerService(loadTrainerConfig(options.config));
          const stop = () => void service.stop();
          process.once('SIGTERM', stop);
          process.once('SIGINT', stop);
          await service.done;
        } catch (thrown) {
          const error = asCxrError(thrown);
          process.stderr.write(`cxr: ${error.code}: ${error.message}\n`);
          process.exitCode = error.kind === 'input' ? 2 : 1;
        }
      });
  },
};
