/**
 * Publishes `model/state` reports (docs/rollout.md): validated against the protocol schema, QoS 1,
 * retained, so the hub sees each agent's latest step even when it subscribes later. The latest report is
 * kept and published again at every (re)connect, so a step taken while the link was down (or a start-up
 * rollback) still reaches the hub. An invalid report is logged with CXR_ERR_AGENT_MODEL_STATE_INVALID
 * and not sent.
 */
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { ModelStateMessage } from '../../protocol/messages.ts';
import { decoders } from '../../protocol/validate.ts';

export class ModelStatePublisher {
  #latest: string | undefined;
  #latestState: string | undefined;

  constructor(
    readonly client: MqttClient,
    readonly topic: string,
    readonly log: Logger,
  ) {}

  publish(message: ModelStateMessage): void {
    const { state } = message;
    if (!decoders.modelState.check(message)) {
      this.log.error(
        { code: 'CXR_ERR_AGENT_MODEL_REPORT_INVALID', state },
        'model/state report does not match the protocol schema; not sent',
      );
      return;
    }
    if (message.state !== this.#latestState) {
      this.log.info({ model: message.version, state: message.state, code: message.code }, 'model state');
    }
    this.#latestState = message.state;
    this.#latest = JSON.stringify(message);
    this.#send();
  }

  /** The latest report again (at connect). */
  republish(): void {
    this.#send();
  }

  #send(): void {
    if (this.#latest === undefined || !this.client.connected) return;
    this.client.publish(this.topic, this.#latest, { qos: 1, retain: true }, (error) => {
      if (error) this.log.warn({ err: error.message }, 'model/state not sent; sent again at the next connect');
    });
  }
}
