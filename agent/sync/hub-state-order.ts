/**
 * One order for the hub's state reaching the agent by two paths (docs/scale-out.md): the retained MQTT
 * `model/desired` and `calibration` messages (sync-link.ts) and the same messages polled over HTTP
 * (hub-state-poller.ts). In: each message after its handler validated it (handle-model-desired.ts,
 * handle-calibration.ts), with the path it came by. Out: passed on to the model manager or the calibration keeper,
 * or dropped. Both kinds carry the hub's `issuedAt`: a message issued before the one last passed on is stale and
 * dropped whatever its path, so a poll answer that raced a newer MQTT message (or a late MQTT message) never undoes
 * a newer state. A poll answer naming the state last passed on (same identity: version, sha256, rollout, shadow;
 * for a calibration its site, version, model version and signature), or an older reading of it from either path,
 * is a duplicate and dropped quietly; the MQTT path passes repeats issued no earlier on as it always did (the manager does not restart a take-up in progress and reports an active version
 * again; the keeper ignores a calibration it holds). A calibration's `version` does not order (a rollback sends an
 * earlier one again). A desired message without `issuedAt` (an older hub) cannot be ordered: it is passed on in
 * arrival order. Only the hub's own clock readings are compared, never the agent's. Memory only: after a restart
 * the first message of each kind passes.
 */
import type { Logger } from 'pino';
import type { ModelDesired, SiteCalibrationMessage } from '../../protocol/messages.ts';
import type { CalibrationSink } from './handle-calibration.ts';
import type { DesiredModelSink } from './handle-model-desired.ts';

export type HubStateSource = 'mqtt' | 'http';
export type HubStateVerdict = 'apply' | 'duplicate' | 'stale';

/** What orders and identifies one message: the hub's `issuedAt` in ms (undefined: none) and its identity. */
export interface HubStateStamp {
  issuedAtMs: number | undefined;
  key: string;
}

export interface HubStateSinks {
  models: DesiredModelSink;
  calibrations?: CalibrationSink;
}

function issuedAtMs(issuedAt: string | undefined): number | undefined {
  const ms = issuedAt === undefined ? Number.NaN : Date.parse(issuedAt);
  return Number.isFinite(ms) ? ms : undefined;
}

export function desiredStamp(desired: ModelDesired): HubStateStamp {
  const shadow = desired.liveShadow;
  const key = [
    desired.version,
    desired.sha256,
    desired.rolloutId ?? '',
    desired.shadow ? 'shadow' : '',
    shadow ? `${shadow.shadowId}/${shadow.version}/${shadow.sha256}` : '',
  ].join('|');
  return { issuedAtMs: issuedAtMs(desired.issuedAt), key };
}

export function calibrationStamp(message: SiteCalibrationMessage): HubStateStamp {
  const key = [message.site, message.version, message.modelVersion, message.signed.signature].join('|');
  return { issuedAtMs: issuedAtMs(message.issuedAt), key };
}

/** Pure: what to do with `next`, given the stamp of the message last passed on. */
export function judgeHubState(
  last: HubStateStamp | undefined,
  next: HubStateStamp,
  source: HubStateSource,
): HubStateVerdict {
  if (last === undefined) return 'apply';
  const older = next.issuedAtMs !== undefined && last.issuedAtMs !== undefined && next.issuedAtMs < last.issuedAtMs;
  if (next.key === last.key && (source === 'http' || older)) return 'duplicate';
  return older ? 'stale' : 'apply';
}

/** Pure: the stamp to remember after the verdict (a duplicate read later than the original moves the mark on). */
export function rememberHubState(
  last: HubStateStamp | undefined,
  next: HubStateStamp,
  verdict: HubStateVerdict,
): HubStateStamp | undefined {
  if (verdict === 'apply') return next;
  if (verdict === 'stale' || last === undefined) return last;
  const times = [last.issuedAtMs, next.issuedAtMs].filter((ms) => ms !== undefined);
  return { key: last.key, issuedAtMs: times.length === 0 ? undefined : Math.max(...times) };
}

type Kind = 'desired' | 'calibration';

/** The gate in front of the model manager and the calibration keeper; `sinksFor(source)` is what each path feeds. */
export class HubStateOrder {
  readonly #targets: HubStateSinks;
  readonly #log: Logger;
  readonly #last = new Map<Kind, HubStateStamp>();

  constructor(targets: HubStateSinks, log: Logger) {
    this.#targets = targets;
    this.#log = log;
  }

  sinksFor(source: HubStateSource): HubStateSinks {
    const { calibrations } = this.#targets;
    return {
      models: {
        handle: (desired) => {
          if (this.#pass('desired', desiredStamp(desired), source, desired.version)) {
            this.#targets.models.handle(desired);
          }
        },
      },
      ...(calibrations
        ? {
            calibrations: {
              receive: async (message) => {
                if (this.#pass('calibration', calibrationStamp(message), source, String(message.version))) {
                  await calibrations.receive(message);
                }
              },
            },
          }
        : {}),
    };
  }

  #pass(kind: Kind, stamp: HubStateStamp, source: HubStateSource, version: string): boolean {
    const last = this.#last.get(kind);
    const verdict = judgeHubState(last, stamp, source);
    const next = rememberHubState(last, stamp, verdict);
    if (next) this.#last.set(kind, next);
    if (verdict === 'stale') {
      this.#log.info({ kind, source, version }, 'hub state older than the one in hand: dropped');
    } else if (verdict === 'duplicate') {
      this.#log.debug({ kind, source, version }, 'hub state already in hand');
    }
    return verdict === 'apply';
  }
}
