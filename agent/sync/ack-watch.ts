/**
 * The ack watch (pure; the clock is passed in): notices when results go out but the hub's acks stop coming.
 * A broker that refuses a publish does not always say so: Mosquitto answers an MQTT 3.1.1 publish its ACL
 * denies with a normal PUBACK and drops it (Debian's 2.0.11 then often drops the connection too: "Bad socket
 * read/write"), a broker may never answer, and aedes closes the connection, so the link flaps while mqtt.js
 * quietly re-sends. Either way the outbox only grows.
 * In: each publish and its PUBACK, each hub ack, link loss and return.
 * Out: `check(now)` reports the moment the acks are judged stalled, and, once the hub acks again and nothing
 * is left waiting too long, the moment they are back (with how long the alert lasted). Stalled means either
 * - a result has waited `stallMs` of CONNECTED time for its ack (time offline does not count: the agent
 *   reports that as offline, and a long outage is no reason for this alarm), or
 * - the link came back at least `FLAPPING_CONNECTIONS` times with results still unacked, over at least
 *   `stallMs`, with no ack in between (a broker that drops the link at every publish). One long outage is one
 *   return, after which the acks come.
 */

export type AckWatchChange =
  | { stalled: true; unacked: number; brokerConfirmed: number; reconnects: number; waitedS: number }
  | { stalled: false; lastedS: number };

/** Returns of the link with results unacked and no ack in between that make a flapping link a stall. */
export const FLAPPING_CONNECTIONS = 3;

export class AckWatch {
  /** resultId → when it was first published (shifted forward by time offline), and whether it was PUBACKed. */
  readonly #sent = new Map<string, { at: number; confirmed: boolean }>();
  #stalledSince: number | undefined;
  #ackedSinceStall = false;
  #downSince: number | undefined;
  /** Returns of the link with results outstanding since the last ack: since when, how many. */
  #flapping: { since: number; reconnects: number } | undefined;

  constructor(readonly stallMs: number) {}

  get stalled(): boolean {
    return this.#stalledSince !== undefined;
  }

  /** A publish left (re-sends keep the first time). */
  published(resultId: string, at: number): void {
    if (!this.#sent.has(resultId)) this.#sent.set(resultId, { at, confirmed: false });
  }

  /** The broker PUBACKed it: it has the message, which still says nothing about the hub. */
  confirmed(resultId: string): void {
    const entry = this.#sent.get(resultId);
    if (entry) entry.confirmed = true;
  }

  /** The hub answered (stored, duplicate or rejected). */
  acked(resultId: string): void {
    this.#sent.delete(resultId);
    this.#flapping = undefined;
    this.#ackedSinceStall = true;
  }

  linkDown(now: number): void {
    this.#downSince ??= now;
  }

  /** The link is back: the time it was down is not counted as waiting. */
  linkUp(now: number): void {
    if (this.#sent.size > 0) {
      if (this.#flapping) this.#flapping.reconnects++;
      else this.#flapping = { since: now, reconnects: 1 };
    }
    if (this.#downSince === undefined) return;
    const offlineMs = now - this.#downSince;
    for (const entry of this.#sent.values()) entry.at += offlineMs;
    this.#downSince = undefined;
  }

  /** A change of state since the last call, or undefined. */
  check(now: number): AckWatchChange | undefined {
    let oldest: number | undefined;
    let unacked = 0;
    let brokerConfirmed = 0;
    // While the link is down the waits are not judged (they are shifted at the next linkUp).
    for (const { at, confirmed } of this.#downSince === undefined ? this.#sent.values() : []) {
      if (now - at < this.stallMs) continue;
      unacked++;
      if (confirmed) brokerConfirmed++;
      oldest = oldest === undefined ? at : Math.min(oldest, at);
    }
    const f = this.#flapping;
    const flapping = f !== undefined && f.reconnects >= FLAPPING_CONNECTIONS && now - f.since >= this.stallMs;
    const stalledNow = oldest !== undefined || flapping;
    if (stalledNow && this.#stalledSince === undefined) {
      this.#stalledSince = now;
      this.#ackedSinceStall = false;
      const since = Math.min(oldest ?? now, flapping && f ? f.since : now);
      return {
        stalled: true,
        unacked,
        brokerConfirmed,
        reconnects: f?.reconnects ?? 0,
        waitedS: secondsBetween(since, now),
      };
    }
    if (!stalledNow && this.#stalledSince !== undefined && this.#ackedSinceStall) {
      const lastedS = secondsBetween(this.#stalledSince, now);
      this.#stalledSince = undefined;
      return { stalled: false, lastedS };
    }
    return undefined;
  }
}

function secondsBetween(from: number, to: number): number {
  return Math.round((to - from) / 1000);
}
