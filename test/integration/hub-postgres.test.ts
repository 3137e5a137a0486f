/**
 * The hub on PostgreSQL (`database.url: postgres://…`, a real throwaway cluster) with its embedded broker:
 * an agent's results are stored and acked once (a re-send is a duplicate), the worklist and audit log read
 * from PostgreSQL, and a second hub process on the same database knows the results, the agent's login and
 * the dashboard session the first one opened.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHub } from '../../hub/main.ts';
import { freshDatabaseUrl } from '../hub/db/engines.ts';
import { hubConfig, PASSWORDS, resultMessage } from '../hub/fixtures.ts';
import { connectAgent, type HttpSession, login } from '../hub/harness.ts';

const A = { site: 'clinic-a', agent: 'xr-1' };

describe('hub on PostgreSQL', () => {
  let url: string;
  before(async () => {
    url = await freshDatabaseUrl('postgres');
  });

  const ids: string[] = [];
  let session: HttpSession;

  it('stores and acks results once, and serves them on the worklist', async () => {
    const hub = await startHub(hubConfig({ database: { url } }));
    try {
      const agent = await connectAgent(hub.mqttUrl, A, PASSWORDS.agent);
      try {
        for (let i = 0; i < 3; i++) {
          const message = await resultMessage({ flags: i === 0 ? [] : ['Effusion'] });
          ids.push(message.resultId);
          await agent.publish('result', message);
          assert.equal((await agent.waitForAck(message.resultId)).status, 'stored');
        }
        for (let i = 0; i < 2; i++) await agent.publish('result', await resultMessage({ resultId: ids[0]! }));
        const deadline = Date.now() + 10_000;
        while (agent.acks.filter((a) => a.resultId === ids[0]).length < 3 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.deepEqual(
          agent.acks.filter((a) => a.resultId === ids[0]).map((a) => a.status),
          ['stored', 'duplicate', 'duplicate'],
        );
      } finally {
        await agent.close();
      }
      session = await login(hub.httpUrl, 'rad', PASSWORDS.radiologist);
      const page = (await (await session.get('/api/worklist?status=all&limit=50')).json()) as {
        items: { resultId: string }[];
      };
      assert.deepEqual(page.items.map((i) => i.resultId).sort(), [...ids].sort());
      const admin = await login(hub.httpUrl, 'boss', PASSWORDS.admin);
      const audit = (await (await admin.get('/api/audit?actor=rad')).json()) as { entries: { action: string }[] };
      assert.equal(audit.entries[0]?.action, 'session.login');
      const rows = await hub.hub.db.kysely.selectFrom('results').select('id').execute();
      assert.equal(rows.length, 3, 'three rows in PostgreSQL');
      assert.equal(hub.hub.db.dialect, 'postgres');
    } finally {
      await hub.close();
    }
  });

  it('a second hub process on the same database has the results, the agent login and the session', async () => {
    const hub = await startHub(hubConfig({ database: { url } }));
    after(() => hub.close());
    const whoAmI = await fetch(`${hub.httpUrl}/api/session`, { headers: { cookie: session.cookie } });
    assert.equal(whoAmI.status, 200, 'the session opened by the first process is valid here');
    const agent = await connectAgent(hub.mqttUrl, A, PASSWORDS.agent);
    try {
      await agent.publish('result', await resultMessage({ resultId: ids[1]! }));
      assert.equal((await agent.waitForAck(ids[1]!)).status, 'duplicate');
    } finally {
      await agent.close();
    }
  });
});
