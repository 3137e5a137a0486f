/**
 * Handler for the retained `cxr/v1/<site>/<agent>/model/desired` (STYLE.md rule 6, docs/rollout.md): validate
 * against the protocol schema, then hand the desired version to the model manager. An empty payload (the hub
 * cleared the retained message) means "nothing desired" and is ignored; a malformed one is logged with
 * CXR_ERR_PROTOCOL_INVALID and dropped, and the agent stays on its model.
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import type { ModelDesired } from '../../protocol/messages.ts';
import { decoders } from '../../protocol/validate.ts';

export interface DesiredModelSink {
  handle(desired: ModelDesired): void;
}

export function handleModelDesired(payload: Buffer, models: DesiredModelSink, log: Logger): void {
  if (payload.length === 0) return;
  let desired: ModelDesired;
  try {
    desired = decoders.modelDesired.decode(payload);
  } catch (thrown) {
    const error = asCxrError(thrown, 'CXR_ERR_PROTOCOL_INVALID');
    log.warn({ code: error.code, err: error.message }, 'dropped an invalid model/desired message');
    return;
  }
  models.handle(desired);
}
