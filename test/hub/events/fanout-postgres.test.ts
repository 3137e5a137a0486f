/**
 * Live events across hub replicas through PostgreSQL NOTIFY: an event emitted on one replica's bus reaches
 * the other's (in order, once, never echoed back to its own), and after the listening connection is killed
 * the fan-out reconnects and relays again.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { type EventFanout, startEventFanout } from '../../../hub/events/fanout-postgres.ts';
import { createHubEvents, type HubEvents } from '../../../hub/events/hub-events.ts';
import { freshDatabaseUrl } from '../db/engines.ts';
import { waitFor } from '../harness.ts';

const log = pino({ level: 'silent' });
let url: string;
const buses: HubEvents[] = [];
const fanouts: EventFanout[] = [];
const seen: string[][] = [[], []];

before(async () => {
  url = await freshDatabaseUrl('postgres');
  for (const [i, origin] of ['hub-a', 'hub-b'].entries()) {
    const events = createHubEvents();
    events.on('fleet', ({ site, agent }) => seen[i]!.push(`fleet ${site}/${agent}`));
    events.on('read', ({ resultId, version }) => seen[i]!.push(`read ${resultId} v${version}`));
    buses.push(events);
    fanouts.push(await startEventFanout({ url, events, origin, log, retryMs: 100 }));
  }
});
after(async () => {
  for (const fanout of fanouts) await fanout.close();
});

it("relays one replica's events to the other, in order, without echoing them back", async () => {
  buses[0]!.emit('fleet', { site: 'clinic-a', agent: 'xr-1' });
  buses[0]!.emit('read', { resultId: 'r1', version: 1, reader: 'rad' });
  buses[1]!.emit('fleet', { site: 'clinic-b', agent: 'xr-2' });
  await waitFor(() => (seen[0]!.length === 3 && seen[1]!.length === 3 ? true : undefined), 5_000);
  await new Promise((resolve) => setTimeout(resolve, 200)); // nothing more arrives
  assert.deepEqual(seen[0], ['fleet clinic-a/xr-1', 'read r1 v1', 'fleet clinic-b/xr-2']);
  assert.deepEqual(seen[1], ['fleet clinic-b/xr-2', 'fleet clinic-a/xr-1', 'read r1 v1']);
});

it('reconnects after its connection is killed and relays again', async () => {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const killed = await admin.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cxr-hub-events'",
  );
  await admin.end();
  assert.equal(killed.rowCount, 2, 'both replicas lost their connection');
  seen[1]!.length = 0;
  await waitFor(() => {
    buses[0]!.emit('fleet', { site: 'clinic-c', agent: 'xr-3' });
    return seen[1]!.includes('fleet clinic-c/xr-3') ? true : undefined;
  }, 10_000);
});
