/**
 * Pure: turns the hub's MQTT connection events into one log line per outage instead of one per reconnect
 * attempt (issue #17 item 6). `down` says whether a close starts an outage (log it once); while down, the
 * client's errors and reconnect attempts are expected and stay quiet; `up` ends an outage and says how long
 * it lasted (log it once). The clock is passed in.
 */
export interface LinkWatch {
  /** The link closed; true when it was up, so this close starts an outage. */
  down(nowMs: number): boolean;
  /** The link is up; the outage it ends (down since, and for how long), or undefined at first connect. */
  up(nowMs: number): { downSinceMs: number; downMs: number } | undefined;
  isDown(): boolean;
}

export function createLinkWatch(): LinkWatch {
  let downSinceMs: number | undefined;
  return {
    down(nowMs) {
      if (downSinceMs !== undefined) return false;
      downSinceMs = nowMs;
      return true;
    },
    up(nowMs) {
      if (downSinceMs === undefined) return undefined;
      const outage = { downSinceMs, downMs: nowMs - downSinceMs };
      downSinceMs = undefined;
      return outage;
    },
    isDown: () => downSinceMs !== undefined,
  };
}
