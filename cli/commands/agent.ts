/**
 * `cxr agent --config <file>`: runs the edge agent until SIGTERM/SIGINT, then closes its parts in reverse
 * order (watcher, workers, HTTP, MQTT with an offline status, model, database). Settings may also come from
 * `CXR_AGENT_*` environment variables (docs/agent.md). Bad config exits 2 listing every problem.
 */
import type { Command } from 'commander';
import { loadAgentConfig } from '../../agent/config.ts';
import { startAgent } from '../../agent/main.ts';
import { asCxrError } from '../../models/errors.ts';
import type { CommandModule } from './index.ts';

export const agentCommand: CommandModule = {
  register(program: Command) {
    program
      .command('agent')
      .description('run the edge agent: watch folders, screen chest X-rays, sync results to the hub')
      .option('-c, --config <file>', 'agent config file (JSON); CXR_AGENT_* env vars override it')
      .option('--check-config', 'validate the config, print it (secrets masked) and exit')
      .action(async (options: { config?: string; checkConfig?: boolean }) => {
        let config: ReturnType<typeof loadAgentConfig>;
        try {
          config = loadAgentConfig(options.config);
        } catch (thrown) {
          const error = asCxrError(thrown);
          process.stderr.write(`cxr: ${error.code}: ${error.message}\n`);
          process.exitCode = error.kind === 'input' ? 2 : 1;
          return;
        }
        if (options.checkConfig) {
          const masked = {
            ...config,
            siteSecret: '***',
            mqtt: { ...config.mqtt, password: config.mqtt.password && '***' },
          };
          process.stdout.write(`${JSON.stringify(masked, null, 2)}\n`);
          return;
        }
        let agent: Awaited<ReturnType<typeof startAgent>>;
        try {
          agent = await startAgent(config);
        } catch (thrown) {
          const error = asCxrError(thrown);
          process.stderr.write(`cxr: ${error.code}: ${error.message}\n`);
          process.exitCode = error.kind === 'input' ? 2 : 1;
          return;
        }
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          process.stderr.write(`cxr agent: ${signal}, shutting down\n`);
          agent.close().then(
            () => process.exit(0),
            (error: unknown) => {
              process.stderr.write(`cxr agent: shutdown failed: ${asCxrError(error).message}\n`);
              process.exit(1);
            },
          );
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
  },
};
