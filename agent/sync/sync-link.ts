/**
 * The agent's MQTT side: one persistent-session connection (mqtt.js) that publishes results from the outbox,
 * receives the hub's acks and its retained desired model (one handler each: handle-ack.ts,
 * handle-model-desired.ts), publishes `model/state` reports (model-state-publisher.ts) and keeps a retained
 * StatusMessage current (periodic; last will when the link dies; an explicit offline status on a clean shutdown).
 * With a clinic configured it also takes the hub's signed reads on `report` and acks them on `report/ack`
 * (handle-report.ts). With a calibration sink it takes the site's retained `calibration` (handle-calibration.ts).
 * The agent starts and keeps scoring while the broker is unreachable; mqtt.js reconnects on its own.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { ModelStateMessage } from '../../protocol/messages.ts';
import { topicFor } from '../../protocol/topics.ts';
import { decoders } from '../../protocol/validate.ts';
import type { AgentConfig } from '../config.ts';
import type { AgentMetrics } from '../http/metrics.ts';
import type { AgentStore } from '../store/agent-store.ts';
import { AckWatch } from './ack-watch.ts';
import { handleAck } from './handle-ack.ts';
import { type CalibrationSink, handleCalibration } from './handle-calibration.ts';
import { type DesiredModelSink, handleModelDesired } from './handle-model-desired.ts';
import { handleReport, type ReportSink } from './handle-report.ts';
import { ModelStatePublisher } from './model-state-publisher.ts';
import { mqttOptions } from './mqtt-options.ts';
import { OutboxSender } from './outbox-sender.ts';
import { offlineStatus, onlineStatus, type StatusSnapshot } from './status.ts';

export interface SyncDeps {
  config: Pick<AgentConfig, 'site' | 'agentId' | 'mqtt'>;
  store: AgentStore;
  metrics: AgentMetrics;
  log: Logger;
  now(): number;
  snapshot(): StatusSnapshot;
  /** Where `model/desired` messages go (the model manager). */
  models: DesiredModelSink;
  /** Where signed reads for this clinic go (docs/clinic.md); without it the agent does not subscribe to them. */
  reports?: ReportSink;
  /** Where the site's calibration goes (docs/agent.md#site-calibration); without it the agent does not subscribe. */
  calibrations?: CalibrationSink;
}

export interface SyncLink {
  client: MqttClient;
  sender: OutboxSender;
  connected(): boolean;
  publishStatus(): void;
  /** Retained `model/state` report; kept and sent again at every connect. */
  publishModelState(message: ModelStateMessage): void;
  close(): Promise<void>;
}

export function startSync(deps: SyncDeps): SyncLink {
  const { config, log } = deps;
  const address = { site: config.site, agent: config.agentId };
  const statusTopic = topicFor(address, 'status');
  const ackTopic = topicFor(address, 'ack');
  const desiredTopic = topicFor(address, 'model/desired');
  const reportTopic = topicFor(address, 'report');
  const reportAckTopic = topicFor(address, 'report/ack');
  const calibrationTopic = topicFor(address, 'calibration');
  const will = JSON.stringify(offlineStatus(config.site, config.agentId, deps.now()));
  const client = mqtt.connect(config.mqtt.url, mqttOptions(config, { topic: statusTopic, payload: will }));
  const sender = new OutboxSender({
    store: deps.store,
    client,
    topic: topicFor(address, 'result'),
    policy: { initialMs: config.mqtt.retryInitialMs, maxMs: config.mqtt.retryMaxMs },
    maxInFlight: config.mqtt.maxInFlight,
    metrics: deps.metrics,
    log,
    now: deps.now,
    ackWatch: new AckWatch(config.mqtt.ackAlertMs),
    alerted: () => publishStatus(),
  });
  const modelState = new ModelStatePublisher(client, topicFor(address, 'model/state'), log);

  const publishStatus = () => {
    if (!client.connected) return;
    const status = onlineStatus({ ...deps.snapshot(), acksStalled: sender.acksStalled });
    if (!decoders.status.check(status)) {
      log.error('status message does not match the protocol schema; not sent');
      return;
    }
    client.publish(statusTopic, JSON.stringify(status), { qos: 1, retain: true });
  };

  client.on('connect', (connack) => {
    log.info({ sessionPresent: connack.sessionPresent }, 'broker connected');
    // With a persistent session the broker keeps our subscription; subscribe again when it did not.
    if (!connack.sessionPresent) client.subscribe(ackTopic, { qos: 1 });
    // Every time, also over a session kept from before rollouts existed; the retained desired message that
    // comes with it is handled idempotently (docs/rollout.md).
    client.subscribe(desiredTopic, { qos: 1 }, (error, granted) => {
      if (error || granted?.some((g) => g.qos === 128)) {
        log.warn({ err: error?.message }, 'model/desired subscription refused; rollouts will not reach this agent');
      }
    });
    if (deps.reports) {
      client.subscribe(reportTopic, { qos: 1 }, (error, granted) => {
        if (error || granted?.some((g) => g.qos === 128))
          log.warn({ err: error?.message }, 'report subscription refused; signed reads will not reach this clinic');
      });
    }
    if (deps.calibrations) {
      client.subscribe(calibrationTopic, { qos: 1 }, (error, granted) => {
        if (error || granted?.some((g) => g.qos === 128))
          log.warn({ err: error?.message }, 'calibration subscription refused; the manifest operating points stay');
      });
    }
    publishStatus();
    modelState.republish();
  });
  client.on('offline', () => log.warn('broker unreachable; results wait in the outbox'));
  client.on('error', (error) => log.warn({ err: error.message }, 'mqtt error'));
  client.on('message', (topic, payload) => {
    if (topic === ackTopic) handleAck(payload, sender, log);
    else if (topic === desiredTopic) handleModelDesired(payload, deps.models, log);
    else if (topic === calibrationTopic && deps.calibrations) handleCalibration(payload, deps.calibrations, log);
    else if (topic === reportTopic && deps.reports) {
      handleReport(payload, {
        address,
        reports: deps.reports,
        publishAck: (ack) => {
          if (decoders.reportAck.check(ack)) client.publish(reportAckTopic, JSON.stringify(ack), { qos: 1 });
        },
        log,
      });
    }
  });
  sender.start();
  const statusTimer = setInterval(publishStatus, config.mqtt.statusIntervalMs);
  statusTimer.unref();

  return {
    client,
    sender,
    connected: () => client.connected,
    publishStatus,
    publishModelState: (message) => modelState.publish(message),
    async close() {
      clearInterval(statusTimer);
      sender.close();
      if (client.connected) {
        const offline = JSON.stringify(offlineStatus(config.site, config.agentId, deps.now()));
        await client
          .publishAsync(statusTopic, offline, { qos: 1, retain: true })
          .catch((error: Error) =>
            log.warn({ err: error.message }, 'offline status not sent; the last will covers it'),
          );
      }
      await client.endAsync(true);
    },
  };
}
