/**
 * `cxr rollout <start|status|pause|resume|abort|rollback|pin> --hub <url> --user <admin> [--json]`:
 * drives the hub's rollout API as an admin (password from `CXR_HUB_PASSWORD`; logs in through the
 * session API and sends the CSRF header).
 *
 *   start <version|alias> [--sites a,b | --agents site/agent,...] [--waves 1,25%,100%] [--wait <s>]
 *         [--abort-threshold <fraction>] [--shadow]          (no --sites/--agents: every agent)
 *   status [rollout id]                                      (no id: the latest rollouts)
 *   pause|resume|abort|rollback <rollout id>
 *   pin --site <s> [--agent <a>] (--version <v> | --clear)
 */
import type { Command } from 'commander';
import { CxrError } from '../../models/errors.ts';
import { type HubSession, hubSession } from '../hub-http.ts';
import { runCommand } from '../output.ts';
import type { CommandModule } from './index.ts';

interface Common {
  hub?: string;
  user?: string;
  json?: boolean;
}

interface RolloutAnswer {
  id: string;
  version: string;
  status: string;
  reason: string | null;
  waves: unknown[];
  wavesIssued: number;
  targetCount: number;
  counts: Record<string, number>;
  agents: { site: string; agent: string; wave: number; shown: string; code: string | null; reason: string | null }[];
}

const bad = (message: string) => new CxrError('CXR_ERR_HUB_BAD_REQUEST', message);

/** "1,25%,100%" → [{agents: 1}, {percent: 25}, {percent: 100}] */
export function parseWaves(text: string): ({ agents: number } | { percent: number })[] {
  return text.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)(%?)\s*$/.exec(part);
    if (!match) throw bad(`--waves: "${part}" is neither a count (3) nor a percentage (25%)`);
    return match[2] === '%' ? { percent: Number(match[1]) } : { agents: Number(match[1]) };
  });
}

function number(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw bad(`${name} must be a number ≥ 0`);
  return value;
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function renderRollout(r: RolloutAnswer): string {
  const counts = Object.entries(r.counts)
    .map(([state, n]) => `${state} ${n}`)
    .join(' · ');
  const head = `${r.id}  ${r.version}  ${r.status}  waves ${r.wavesIssued}/${r.waves.length}  agents ${r.agents.length}/${r.targetCount}${counts ? `  (${counts})` : ''}`;
  const agents = r.agents.map(
    (a) =>
      `  ${a.site}/${a.agent}  wave ${a.wave}  ${a.shown}${a.code ? `  ${a.code}` : ''}${a.reason ? `: ${a.reason}` : ''}`,
  );
  return [head, ...(r.reason ? [`  ${r.reason}`] : []), ...agents].join('\n');
}

async function session(options: Common): Promise<HubSession> {
  return hubSession(options.hub ?? '', options.user, process.env.CXR_HUB_PASSWORD);
}

function withCommon(command: Command): Command {
  return command
    .option('--hub <url>', 'hub URL, e.g. https://hub.example.org:8443')
    .option('--user <admin>', 'admin account (password from env CXR_HUB_PASSWORD)')
    .option('--json', 'print JSON');
}

export const rolloutCommand: CommandModule = {
  register(program: Command): void {
    const rollout = program.command('rollout').description('staged model rollouts on the hub (admin)');

    withCommon(rollout.command('start').description('start a rollout of a version or alias'))
      .argument('<version-or-alias>', 'a registered version (1.2.0) or an alias (candidate)')
      .option('--sites <a,b>', 'only these sites')
      .option('--agents <site/agent,...>', 'only these agents')
      .option('--waves <list>', 'cumulative waves, e.g. 1,25%,100% (default: the hub config)')
      .option('--wait <seconds>', 'wait between waves (default: the hub config)')
      .option('--abort-threshold <fraction>', 'abort when more than this fraction failed (default: the hub config)')
      .option('--shadow', 'agents score with both models and report agreement before switching')
      .action(async (name: string, options: Common & Record<string, string | boolean | undefined>) => {
        await runCommand(
          options,
          async () => {
            if (options.sites && options.agents) throw bad('give --sites or --agents, not both');
            const target = options.sites
              ? { sites: list(String(options.sites)) }
              : options.agents
                ? { agents: list(String(options.agents)) }
                : { all: true };
            const waitS = number(options.wait as string | undefined, '--wait');
            const abortFailureFraction = number(options.abortThreshold as string | undefined, '--abort-threshold');
            const body = {
              ...(/^\d/.test(name) ? { version: name } : { alias: name }),
              target,
              ...(options.waves ? { waves: parseWaves(String(options.waves)) } : {}),
              ...(waitS !== undefined ? { waitS } : {}),
              ...(abortFailureFraction !== undefined ? { abortFailureFraction } : {}),
              ...(options.shadow ? { shadow: true } : {}),
            };
            return (await session(options)).send<RolloutAnswer>('POST', '/api/rollouts', body);
          },
          renderRollout,
        );
      });

    withCommon(rollout.command('status').description('one rollout, or the latest ones'))
      .argument('[id]', 'rollout id')
      .action(async (id: string | undefined, options: Common) => {
        await runCommand(
          options,
          async () => {
            const hub = await session(options);
            if (id) return [await hub.get<RolloutAnswer>(`/api/rollouts/${encodeURIComponent(id)}`)];
            return (await hub.get<{ rollouts: RolloutAnswer[] }>('/api/rollouts?limit=10')).rollouts;
          },
          (rollouts) => (rollouts.length ? rollouts.map(renderRollout).join('\n\n') : 'no rollouts yet'),
        );
      });

    for (const action of ['pause', 'resume', 'abort', 'rollback'] as const) {
      withCommon(rollout.command(action).description(`${action} a rollout`))
        .argument('<id>', 'rollout id')
        .action(async (id: string, options: Common) => {
          await runCommand(
            options,
            async () =>
              (await session(options)).send<RolloutAnswer>(
                'POST',
                `/api/rollouts/${encodeURIComponent(id)}/${action}`,
                {},
              ),
            renderRollout,
          );
        });
    }

    withCommon(rollout.command('pin').description('hold an agent (or a whole site) at a version, or clear the pin'))
      .requiredOption('--site <site>', 'site id')
      .option('--agent <agent>', 'agent id (default: every agent of the site)')
      .option('--version <version>', 'the version to hold')
      .option('--clear', 'remove the pin')
      .action(async (options: Common & { site: string; agent?: string; version?: string; clear?: boolean }) => {
        await runCommand(
          options,
          async () => {
            if (Boolean(options.version) === Boolean(options.clear)) throw bad('give --version <v> or --clear');
            const body = { site: options.site, agent: options.agent ?? null, version: options.version ?? null };
            return (await session(options)).send<{ version: string | null; sentTo: string[] }>(
              'PUT',
              '/api/pins',
              body,
            );
          },
          (r) =>
            `${r.version ? `pinned ${options.site}/${options.agent ?? '*'} to ${r.version}` : `pin of ${options.site}/${options.agent ?? '*'} cleared`}` +
            (r.sentTo.length ? `; sent to ${r.sentTo.join(', ')}` : ''),
        );
      });
  },
};
