/**
 * The pipeline's hand-off to the clinic (agent/pipeline/stages/commit.ts calls `record` once per scored file, in the
 * outbox commit's transaction). In: the validated ResultMessage and the file's bytes and path. Out: one identity row (who the
 * patient is, the AI summary, the preview and activation maps; agent/store/identity-store.ts) and, for a result
 * whose triage tier is `urgent`, one alert (page + hook), once per result. The tier is read from the result as
 * the agent's triage policy set it; nothing is derived here. Errors from the store are thrown (the worker
 * retries the file); a failing alert hook is logged, never thrown.
 */
import type { ResultMessage } from '../../protocol/messages.ts';
import type { IdentityStore, StoredIdentity } from '../store/identity-store.ts';
import { summarize } from '../store/identity-store.ts';
import { readIdentity } from '../store/read-identity.ts';

export interface ClinicRecorderDeps {
  identities: IdentityStore;
  now(): number;
  /** Called once per urgent result, after its row is stored (the hook command; urgent-alert.ts). */
  urgent?(entry: StoredIdentity): void;
}

export interface ClinicRecorder {
  record(result: ResultMessage, source: { bytes: Uint8Array; path: string }): void;
}

export function clinicRecorder(deps: ClinicRecorderDeps): ClinicRecorder {
  return {
    record(result, source) {
      deps.identities.record({
        resultId: result.resultId,
        imageKey: result.keys.image,
        identity: readIdentity(source.bytes, source.path),
        sourcePath: source.path,
        summary: summarize(result),
        ...(result.preview ? { preview: Buffer.from(result.preview.base64, 'base64') } : {}),
        ...(result.activation ? { activation: result.activation } : {}),
        scoredAt: deps.now(),
      });
      if (result.triage?.tier !== 'urgent' || !deps.urgent) return;
      const stored = deps.identities.get(result.resultId);
      if (stored && stored.alertedAt === undefined) deps.urgent(stored);
    },
  };
}
