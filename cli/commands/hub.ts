/**
 * `cxr hub --config <file>`: runs the hub (HTTP API + dashboard, MQTT ingest) until SIGINT/SIGTERM.
 * `cxr hub user add <username> --role radiologist|admin --config <file>`: creates/updates a dashboard
 *   account; the password is read from CXR_HUB_NEW_PASSWORD or generated and printed once.
 * `cxr hub agent add --site <s> --agent <a> --config <file> [--mosquitto-passwd <file>]`: creates an
 *   agent's MQTT login `<site>/<agent>` and prints its password once.
 * `cxr hub hash-password`: reads a password on stdin, prints its scrypt hash for the config file.
 * `cxr hub migrate --config <file> --to postgres://…`: copies the hub's SQLite database into a new, empty
 *   PostgreSQL database (then point `database.url` at it); prints the rows copied per table.
 * `cxr hub backup` / `cxr hub restore`: hub-backup.ts.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addAgent, addUser } from '../../hub/accounts/admin.ts';
import { generatePassword, hashPassword } from '../../hub/auth/password.ts';
import { natsPasswordHash } from '../../hub/broker/nats-users-file.ts';
import { databaseUrl, loadHubConfig } from '../../hub/config.ts';
import { copyHubDatabase } from '../../hub/db/copy-database.ts';
import { openHubDatabase, parseDatabaseUrl, redactUrl } from '../../hub/db/database.ts';
import { startHub } from '../../hub/main.ts';
import { CxrError } from '../../models/errors.ts';
import { runCommand } from '../output.ts';
import { registerBackupCommands } from './hub-backup.ts';
import type { CommandModule } from './index.ts';

/** `--config` is parsed by `cxr hub` itself, so subcommands read it from their parent's options. */
function configFile(options: { config?: string }): string {
  if (!options.config) throw new CxrError('CXR_ERR_HUB_CONFIG', 'missing --config <file>');
  return options.config;
}

async function runHub(configFile: string): Promise<void> {
  const hub = await startHub(loadHubConfig(configFile));
  process.stderr.write(`cxr hub: dashboard ${hub.httpUrl}  MQTT ${hub.mqttUrl}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await hub.close();
}

export const hubCommand: CommandModule = {
  register(program: Command) {
    const hub = program
      .command('hub')
      .description('run the hub: MQTT ingest, API and radiologist dashboard')
      .option('--config <file>', 'hub config JSON (see deploy/hub.example.json)')
      .action(async (options: { config?: string }) => {
        await runCommand(
          {},
          async () => {
            await runHub(configFile(options));
            return 'hub stopped';
          },
          (message) => message,
        );
      });

    const user = hub.command('user').description('dashboard accounts');
    user
      .command('add <username>')
      .description('create or update an account (password from CXR_HUB_NEW_PASSWORD, else generated)')
      .option('--config <file>', 'hub config JSON')
      .option('--role <role>', 'radiologist or admin', 'radiologist')
      .option('--json', 'machine-readable output')
      .action(async (username: string, _opts: unknown, command: Command) => {
        const options = command.optsWithGlobals<{ config?: string; role: string; json?: boolean }>();
        await runCommand(
          options,
          async () => {
            if (options.role !== 'radiologist' && options.role !== 'admin') {
              throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', '--role must be radiologist or admin');
            }
            const given = process.env.CXR_HUB_NEW_PASSWORD;
            const password = given && given.length > 0 ? given : generatePassword();
            const result = await addUser(loadHubConfig(configFile(options)), username, options.role, password);
            return { ...result, ...(given ? {} : { password }) };
          },
          (r) => `${r.change} ${r.role} ${r.username}${'password' in r ? `\npassword: ${r.password}` : ''}`,
        );
      });

    hub
      .command('agent')
      .description('agent MQTT credentials')
      .command('add')
      .description('create an agent login <site>/<agent> and print its password once')
      .option('--config <file>', 'hub config JSON')
      .requiredOption('--site <site>', 'site id')
      .requiredOption('--agent <agent>', 'agent id')
      .option('--mosquitto-passwd <file>', 'also append the login to this Mosquitto password file')
      .option('--nats-users <file>', "also add the agent's user to this NATS users file (deploy/nats/cxr-users.conf)")
      .option('--json', 'machine-readable output')
      .action(async (_opts: unknown, command: Command) => {
        const options = command.optsWithGlobals<{
          config?: string;
          site: string;
          agent: string;
          mosquittoPasswd?: string;
          natsUsers?: string;
          json?: boolean;
        }>();
        await runCommand(
          options,
          async () =>
            addAgent(
              loadHubConfig(configFile(options)),
              { site: options.site, agent: options.agent },
              {
                ...(options.mosquittoPasswd ? { mosquittoPasswdFile: options.mosquittoPasswd } : {}),
                ...(options.natsUsers ? { natsUsersFile: options.natsUsers } : {}),
              },
            ),
          (r) =>
            [
              `agent login: ${r.username}`,
              `password: ${r.password}`,
              ...(r.mosquittoPasswdFile ? [`appended to ${r.mosquittoPasswdFile}`] : []),
              ...(r.natsUsersFile ? [`added to ${r.natsUsersFile} (then: nats-server --signal reload)`] : []),
            ].join('\n'),
        );
      });

    hub
      .command('migrate')
      .description('copy the hub database (SQLite) into a new, empty PostgreSQL database; stop the hub first')
      .option('--config <file>', 'hub config JSON')
      .requiredOption('--to <url>', 'postgres://user:password@host:port/database')
      .option('--json', 'machine-readable output')
      .action(async (_opts: unknown, command: Command) => {
        const options = command.optsWithGlobals<{ config?: string; to: string; json?: boolean }>();
        await runCommand(
          options,
          async () => {
            const from = databaseUrl(loadHubConfig(configFile(options)));
            if (parseDatabaseUrl(from).dialect !== 'sqlite' || parseDatabaseUrl(options.to).dialect !== 'postgres') {
              throw new CxrError(
                'CXR_ERR_HUB_MIGRATE_TARGET',
                'migrate copies the SQLite hub database to postgres://…',
              );
            }
            const source = await openHubDatabase(from);
            try {
              const target = await openHubDatabase(options.to);
              try {
                return {
                  from: redactUrl(from),
                  to: redactUrl(options.to),
                  tables: await copyHubDatabase(source, target),
                };
              } finally {
                await target.close();
              }
            } finally {
              await source.close();
            }
          },
          (r) =>
            [
              `copied ${r.from} to ${r.to}`,
              ...r.tables.map((t) => `  ${t.table.padEnd(24)} ${t.rows}`),
              'set database.url (or CXR_HUB_DATABASE_URL) to the new database and start the hub',
            ].join('\n'),
        );
      });

    hub
      .command('hash-password')
      .description('read a password on stdin and print its scrypt hash (for users[]/agents[] in the config)')
      .option('--bcrypt', "a bcrypt hash instead, for a NATS users file (the hub's own NATS login)")
      .action(async (options: { bcrypt?: boolean }) => {
        await runCommand(
          {},
          async () => {
            const password = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
            if (password.length === 0) throw new CxrError('CXR_ERR_HUB_BAD_REQUEST', 'empty password on stdin');
            return options.bcrypt ? natsPasswordHash(password) : hashPassword(password);
          },
          (hash) => hash,
        );
      });

    registerBackupCommands(hub);
  },
};
