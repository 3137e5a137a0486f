/**
 * Live updates across hub replicas: every event emitted on this replica's bus (result, read, claim, fleet,
 * rollout) is sent with PostgreSQL `NOTIFY` on channel `cxr_hub_events`, and every event another replica sent
 * is emitted on this bus, so a dashboard on replica B sees a result that replica A stored. Why PostgreSQL
 * rather than NATS subjects: every replica shares the database whatever the broker, and a notification is
 * delivered only after it commits, in commit order. One dedicated connection listens and sends (sending on it
 * keeps this replica's events in emit order; `application_name` cxr-hub-events). Events carry ids and small summaries (a notification holds at
 * most 8,000 bytes; a larger one is not relayed and logged). While the connection is down events are not
 * relayed (dashboards read again on reconnect); it reconnects every `retryMs`, logging the outage once.
 * In: the database URL, the bus, this replica's id. Out: `close()`.
 */

import pg from 'pg';
import type { Logger } from 'pino';
import type { HubEventMap, HubEvents } from './hub-events.ts';

const CHANNEL = 'cxr_hub_events';
const NAMES: readonly (keyof HubEventMap)[] = ['result', 'read', 'claim', 'fleet', 'rollout'];
const MAX_PAYLOAD_BYTES = 7_900;

export interface EventFanoutOptions {
  url: string;
  events: HubEvents;
  /** Unique per replica process: its own notifications come back and are skipped. */
  origin: string;
  log: Logger;
  retryMs?: number;
}

export interface EventFanout {
  close(): Promise<void>;
}

interface Envelope {
  o: string;
  n: keyof HubEventMap;
  d: unknown;
}

export async function startEventFanout(options: EventFanoutOptions): Promise<EventFanout> {
  const { events, origin, log } = options;
  const retryMs = options.retryMs ?? 1_000;
  let client: pg.Client | undefined;
  let sending: Promise<unknown> = Promise.resolve();
  let relaying = false;
  let closed = false;
  let down = false;
  let retry: NodeJS.Timeout | undefined;

  const receive = (message: pg.Notification) => {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message.payload ?? '') as Envelope;
    } catch {
      return;
    }
    if (envelope.o === origin || !NAMES.includes(envelope.n)) return;
    relaying = true;
    try {
      (events.emit as (name: string, payload: unknown) => boolean)(envelope.n, envelope.d);
    } finally {
      relaying = false;
    }
  };

  const lost = (error?: Error) => {
    if (closed || client === undefined) return;
    client.removeAllListeners();
    client.on('error', () => {});
    void client.end().catch(() => {});
    client = undefined;
    if (!down)
      log.warn({ err: error?.message }, 'event fan-out connection lost; live updates from other replicas paused');
    down = true;
    retry = setTimeout(() => void open().catch(() => lost()), retryMs);
  };

  async function open(): Promise<void> {
    const next = new pg.Client({ connectionString: options.url, application_name: 'cxr-hub-events' });
    next.on('error', (error) => lost(error));
    next.on('end', () => lost());
    next.on('notification', receive);
    client = next;
    await next.connect();
    await next.query(`LISTEN ${CHANNEL}`);
    if (down) log.info('event fan-out connection restored');
    down = false;
  }

  const send = (name: keyof HubEventMap) => (payload: unknown) => {
    if (relaying) return;
    const text = JSON.stringify({ o: origin, n: name, d: payload } satisfies Envelope);
    if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
      log.warn({ event: name, bytes: Buffer.byteLength(text) }, 'event too large to relay to other replicas');
      return;
    }
    const target = client;
    if (!target || down) return;
    sending = sending.then(() => target.query('SELECT pg_notify($1, $2)', [CHANNEL, text])).catch(() => undefined);
  };
  const listeners = NAMES.map((name) => [name, send(name)] as const);

  try {
    await open();
  } catch (error) {
    closed = true;
    clearTimeout(retry);
    await client?.end().catch(() => {});
    throw error;
  }
  for (const [name, listener] of listeners) events.on(name, listener as never);
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      for (const [name, listener] of listeners) events.off(name, listener as never);
      await sending;
      const last = client;
      client = undefined;
      await last?.end().catch(() => {});
    },
  };
}
