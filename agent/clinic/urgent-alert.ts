/**
 * The alert for an urgent result: once per result (identity-store.ts `markAlerted`), the page shows it (it lists
 * urgent results not yet read) and the site's hook command runs. The hook is an argv array from the config, run
 * with execFile (no shell, so nothing in it is interpreted); `{result}` in an argument becomes the result id and
 * `{tier}` the tier. No patient identity is ever put into its arguments or environment. A hook that fails or runs
 * past `timeoutMs` is logged with CXR_ERR_AGENT_ALERT_HOOK_FAILED; the agent carries on.
 */
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';
import type { IdentityStore, StoredIdentity } from '../store/identity-store.ts';

export interface UrgentAlertDeps {
  identities: IdentityStore;
  /** argv: the program and its arguments; undefined = page alert only. */
  command?: readonly string[];
  timeoutMs: number;
  log: Logger;
  now(): number;
  /** Tells the clinic page something changed. */
  changed?(): void;
}

/** The hook's argv with placeholders filled (pure). */
export function hookArgv(command: readonly string[], entry: Pick<StoredIdentity, 'resultId'>): string[] {
  return command.map((arg) => arg.replaceAll('{result}', entry.resultId).replaceAll('{tier}', 'urgent'));
}

export function urgentAlert(deps: UrgentAlertDeps): (entry: StoredIdentity) => void {
  return (entry) => {
    if (!deps.identities.markAlerted(entry.resultId, deps.now())) return;
    const log = deps.log.child({ result: entry.resultId.slice(0, 16) });
    log.warn({ alert: 'urgent-result' }, 'urgent result: consider immediate review');
    deps.changed?.();
    if (!deps.command || deps.command.length === 0) return;
    const [program, ...args] = hookArgv(deps.command, entry) as [string, ...string[]];
    execFile(
      program,
      args,
      { timeout: deps.timeoutMs, shell: false, env: { PATH: process.env.PATH ?? '' } },
      (error) => {
        if (error)
          log.error({ code: 'CXR_ERR_AGENT_ALERT_HOOK_FAILED', err: error.message }, 'urgent alert hook failed');
      },
    );
  };
}
