/**
 * Polls the hub's HTTP copy of this agent's retained state (docs/scale-out.md: a broker can lose retained messages
 * for a while): `GET /api/agents/<site>/<agent>/desired` and, with a calibration sink, `…/calibration`, with the
 * agent's own login (hub-get.ts). It looks at start, whenever `kick()` is called (main.ts: every MQTT (re)connect)
 * and every `intervalMs` (5 min unless given). In: the client options, the agent's address, the HTTP path's sinks
 * (hub-state-order.ts), the clock, randomness and a logger. Out: a 200 answer goes through the same handler as the
 * retained MQTT message (handle-model-desired.ts, handle-calibration.ts: schema check, then the sink; a malformed
 * body is logged there with CXR_ERR_PROTOCOL_INVALID and dropped); the answer's ETag goes back as `If-None-Match`,
 * so an unchanged state costs a 304. 304 and 404 (the hub has none) change nothing. An unreachable hub, a refused
 * login or any other status is CXR_ERR_AGENT_HUB_POLL_FAILED: logged at warn once per outage, then at debug (code,
 * status and message only: never a body), and the next pass waits with exponential backoff and jitter (backoff.ts)
 * capped at the interval. The agent keeps scoring with what it has meanwhile.
 */
import type { Logger } from 'pino';
import { asCxrError, CxrError } from '../../models/errors.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import { backoffMs } from './backoff.ts';
import { handleCalibration } from './handle-calibration.ts';
import { handleModelDesired } from './handle-model-desired.ts';
import { type HubGetOptions, hubGet } from './hub-get.ts';
import type { HubStateSinks } from './hub-state-order.ts';
import { PassLoop } from './pass-loop.ts';

export const HUB_POLL_INTERVAL_MS = 300_000;
export const HUB_POLL_RETRY_MS = 5_000;

export type HubStateKind = 'desired' | 'calibration';
export type HubAnswerKind = 'message' | 'unchanged' | 'none' | 'failed';

export interface HubStatePollerDeps {
  client: HubGetOptions;
  address: AgentAddress;
  sinks: HubStateSinks;
  intervalMs?: number;
  /** First wait after a failed pass; doubles per failure up to `intervalMs`. */
  retryInitialMs?: number;
  now(): number;
  random?: () => number;
  log: Logger;
}

/** Pure: what an HTTP status from a state route means. */
export function answerKind(status: number): HubAnswerKind {
  if (status === 200) return 'message';
  if (status === 304) return 'unchanged';
  if (status === 404) return 'none';
  return 'failed';
}

/** Pure: the wait before the next pass, after `failures` failed passes in a row (0: the last one worked). */
export function nextPollMs(
  failures: number,
  policy: { intervalMs: number; retryInitialMs: number },
  random: () => number = Math.random,
): number {
  if (failures <= 0) return policy.intervalMs;
  return backoffMs(failures - 1, { initialMs: policy.retryInitialMs, maxMs: policy.intervalMs }, random);
}

export function hubStatePath(address: AgentAddress, kind: HubStateKind): string {
  return `/api/agents/${encodeURIComponent(address.site)}/${encodeURIComponent(address.agent)}/${kind}`;
}

export class HubStatePoller {
  readonly #deps: HubStatePollerDeps;
  readonly #etags = new Map<HubStateKind, string>();
  readonly #loop: PassLoop;
  #failures = 0;
  #downSinceMs: number | undefined;

  constructor(deps: HubStatePollerDeps) {
    this.#deps = deps;
    const policy = {
      intervalMs: deps.intervalMs ?? HUB_POLL_INTERVAL_MS,
      retryInitialMs: deps.retryInitialMs ?? HUB_POLL_RETRY_MS,
    };
    this.#loop = new PassLoop(
      () => this.#pass(),
      () => nextPollMs(this.#failures, policy, deps.random),
    );
  }

  start(): void {
    this.kick();
  }

  /** Polls now (or right after the pass in progress). */
  kick(): void {
    this.#loop.kick();
  }

  close(): Promise<void> {
    return this.#loop.close();
  }

  async #pass(): Promise<void> {
    const kinds: HubStateKind[] = this.#deps.sinks.calibrations ? ['desired', 'calibration'] : ['desired'];
    let failure: { error: CxrError; kind: HubStateKind } | undefined;
    const answers: Partial<Record<HubStateKind, HubAnswerKind>> = {};
    for (const kind of kinds) {
      if (this.#loop.closed) return;
      try {
        answers[kind] = await this.#poll(kind);
      } catch (thrown) {
        failure = { error: asCxrError(thrown, 'CXR_ERR_AGENT_HUB_POLL_FAILED'), kind };
      }
    }
    const { log, now } = this.#deps;
    if (failure) {
      this.#failures += 1;
      const fields = { code: failure.error.code, kind: failure.kind, err: failure.error.message };
      if (this.#failures === 1) {
        this.#downSinceMs = now();
        log.warn(fields, 'hub state poll failed; MQTT stays the way in, retrying with backoff');
      } else log.debug({ ...fields, failures: this.#failures }, 'hub state poll failed again');
      return;
    }
    log.debug(answers, 'hub state polled');
    if (this.#downSinceMs !== undefined) {
      log.info({ downMs: now() - this.#downSinceMs }, 'hub state poll works again');
    }
    this.#failures = 0;
    this.#downSinceMs = undefined;
  }

  async #poll(kind: HubStateKind): Promise<HubAnswerKind> {
    const { client, address, sinks, log } = this.#deps;
    const answer = await hubGet(client, hubStatePath(address, kind), this.#etags.get(kind));
    const meaning = answerKind(answer.status);
    if (meaning === 'failed') {
      throw new CxrError('CXR_ERR_AGENT_HUB_POLL_FAILED', `the hub answered HTTP ${answer.status}`, {
        kind: 'internal',
      });
    }
    if (meaning === 'none') this.#etags.delete(kind);
    if (meaning !== 'message') return meaning;
    if (answer.etag) this.#etags.set(kind, answer.etag);
    else this.#etags.delete(kind);
    log.debug({ kind }, 'hub state read over HTTP');
    if (kind === 'desired') handleModelDesired(answer.body, sinks.models, log);
    else if (sinks.calibrations) handleCalibration(answer.body, sinks.calibrations, log);
    return meaning;
  }
}
