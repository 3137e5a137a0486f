/**
 * What else an agent's status tells the hub, after the fleet has stored it (hub/fleet/handle-status.ts): the
 * agent's count of refused (quarantined) inputs goes to drift (drift-monitor.ts `recordStatus`), and an agent seen
 * for the first time since the hub started gets its site's current calibration (training/calibration-publisher.ts).
 * In: the fleet's status handler and those two parts. Out: a status handler for the ingest dispatcher. A status
 * that does not decode, or names another agent than its topic, is left to the fleet's handler (which counts and
 * logs it); a tap that fails does not fail the status.
 */

import type { StatusMessage } from '../../protocol/messages.ts';
import type { AgentAddress } from '../../protocol/topics.ts';
import { decoders } from '../../protocol/validate.ts';

export type StatusHandler = (address: AgentAddress, payload: Buffer) => Promise<void>;

export interface StatusTaps {
  drift: { recordStatus(status: StatusMessage): Promise<void> };
  calibrations: { sendAgent(address: AgentAddress): Promise<boolean> };
}

export function withStatusTaps(handle: StatusHandler, taps: StatusTaps): StatusHandler {
  const greeted = new Set<string>();
  return async (address, payload) => {
    await handle(address, payload);
    let status: StatusMessage;
    try {
      status = decoders.status.decode(payload);
    } catch {
      return;
    }
    if (status.site !== address.site || status.agent !== address.agent) return;
    await taps.drift.recordStatus(status).catch(() => undefined);
    const key = `${address.site}/${address.agent}`;
    if (greeted.has(key)) return;
    greeted.add(key);
    await taps.calibrations.sendAgent(address).catch(() => greeted.delete(key));
  };
}
