/**
 * Handler for `cxr/v1/<site>/<agent>/ack` (STYLE.md rule 6): validate against the protocol schema, then
 * let the sender delete (stored/duplicate) or set aside (rejected) the outbox row. A malformed ack is
 * logged and dropped; the row stays and is re-sent, so nothing is lost.
 */
import type { Logger } from 'pino';
import { asCxrError } from '../../models/errors.ts';
import { decoders } from '../../protocol/validate.ts';
import type { OutboxSender } from './outbox-sender.ts';

export function handleAck(payload: Buffer, sender: Pick<OutboxSender, 'onAck'>, log: Logger): void {
  let ack: ReturnType<typeof decoders.ack.decode>;
  try {
    ack = decoders.ack.decode(payload);
  } catch (thrown) {
    const error = asCxrError(thrown, 'CXR_ERR_PROTOCOL_INVALID');
    log.warn({ code: error.code, err: error.message }, 'dropped an invalid ack');
    return;
  }
  sender.onAck(ack);
}
