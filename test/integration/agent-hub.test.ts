/**
 * The agent against the REAL hub (embedded broker with per-agent logins and ACL, idempotent ingest, acks):
 * results leave the agent's outbox only because the hub acked them, and the hub stores each once.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { startAgent } from '../../agent/main.ts';
import { hashPassword } from '../../hub/auth/password.ts';
import { parseHubConfig } from '../../hub/config.ts';
import { startHub } from '../../hub/main.ts';
import { agentFixture, SAMPLES } from '../agent/fixture.ts';

const silent = pino({ level: 'silent' });
const password = 'agent-password-for-tests';
const hub = await startHub(
  parseHubConfig({
    dataDir: mkdtempSync(join(tmpdir(), 'cxr-agent-hub-')),
    http: { port: 0 },
    mqtt: { broker: 'embedded', port: 0 },
    agents: [{ site: 'clinic-1', agent: 'room-2', passwordHash: hashPassword(password) }],
    logLevel: 'silent',
  }),
  { log: silent },
);
after(() => hub.close());

it('delivers results to the real hub, which stores and acks each once', async () => {
  const fx = await agentFixture();
  const base = fx.config(hub.mqttUrl);
  const config = parseAgentConfig(
    { ...base, mqtt: { ...(base.mqtt as object), username: 'clinic-1/room-2', password } },
    fx.root,
  );
  const agent = await startAgent(config, { logger: silent });
  try {
    const files = [
      'nih/images/00000032_038.png',
      'dicom/nccid/nih_DX_NoFinding_implicitLE.dcm',
      'nih/images/00001280_004.png',
    ];
    for (const rel of files) copyFileSync(join(SAMPLES, rel), join(fx.inDir, rel.replace(/\//g, '_')));
    const deadline = Date.now() + 30_000;
    while (agent.store.fileCounts().scored < files.length || agent.store.outboxSize() > 0) {
      assert.ok(Date.now() < deadline, `scored ${agent.store.fileCounts().scored}, outbox ${agent.store.outboxSize()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const stored = { n: (await hub.hub.db.kysely.selectFrom('results').select('id').execute()).length };
    assert.equal(stored.n, files.length);
  } finally {
    await agent.close();
  }
});
