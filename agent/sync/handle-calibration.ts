/**
 * Handler for the retained `cxr/v1/<site>/<agent>/calibration` (STYLE.md rule 6; docs/agent.md#site-calibration):
 * validate against the protocol schema, then hand the site's calibration to its keeper
 * (agent/model/site-calibration-keeper.ts), which verifies the signature, keeps it and uses it. An empty payload
 * (the hub cleared the retained message) is ignored; a malformed one is logged with CXR_ERR_PROTOCOL_INVALID and
 * dropped, and the agent keeps the operating points it has.
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { SiteCalibrationMessage } from '../../protocol/messages.ts';
import { decoders } from '../../protocol/validate.ts';

export interface CalibrationSink {
  receive(message: SiteCalibrationMessage): Promise<void>;
}

export function handleCalibration(payload: Buffer, sink: CalibrationSink, log: Logger): void {
  if (payload.length === 0) return;
  let message: SiteCalibrationMessage;
  try {
    message = decoders.calibration.decode(payload);
  } catch (thrown) {
    const error = asCxrError(thrown, 'CXR_ERR_PROTOCOL_INVALID');
    log.warn({ code: error.code, err: error.message }, 'dropped an invalid calibration message');
    return;
  }
  void sink.receive(message);
}
