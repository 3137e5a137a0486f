/**
 * Agent sync and intake policies, in-process, with a REAL Mosquitto and the ack-ing test hub:
 * a hub that does not ack (rows stay, re-sent with backoff, drained once acks come), `sendPixels: false`,
 * the `leave` policy across a restart (no rescore), and the disk watermark pausing intake.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { startAgent } from '../../agent/main.ts';
import { agentFixture, SAMPLES } from '../agent/fixture.ts';
import { type AckResponder, startAckResponder } from '../support/ack-responder.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';

const quiet = { logger: pino({ level: 'silent' }) };
const PNGS = ['nih/images/00000032_038.png', 'nih/images/00001280_004.png', 'nih/images/00000017_000.png'];

describe('agent sync and policies (real broker)', () => {
  let broker: RunningMosquitto;
  let hub: AckResponder;

  before(async () => {
    broker = await startMosquitto();
    hub = await startAckResponder(broker.url);
  });
  after(async () => {
    await hub?.close();
    await broker?.stop();
  });

  it('keeps unacked results and re-sends them with backoff until the hub acks; no pixels when sendPixels is false', async () => {
    const fx = await agentFixture();
    const config = fx.config(broker.url, {
      agentId: 'no-ack',
      sendPixels: false,
      mqtt: { url: broker.url, statusIntervalMs: 1000, retryInitialMs: 300, retryMaxMs: 600 },
    });
    hub.setAcking(false);
    const agent = await startAgent(parseAgentConfig(config, fx.root), quiet);
    try {
      for (const rel of PNGS) copyFileSync(join(SAMPLES, rel), join(fx.inDir, rel.replace(/\//g, '_')));
      const mine = () => [...hub.results.values()].filter((r) => r.agent === 'no-ack');
      await hub.waitFor(() => mine().length === PNGS.length, 20_000, 'results published');
      await hub.waitFor(
        () => mine().every((r) => (hub.deliveries.get(r.resultId) ?? 0) >= 3),
        10_000,
        're-sends while unacked',
      );
      assert.equal(agent.store.outboxSize(), PNGS.length, 'rows stay until the application-level ack');
      for (const r of mine()) {
        assert.equal(r.preview, undefined);
        assert.equal(r.activation, undefined);
      }
      hub.setAcking(true);
      await hub.waitFor(() => agent.store.outboxSize() === 0, 10_000, 'outbox drained after acks');
      assert.equal(mine().length, PNGS.length, 're-sends carry the same resultId');
    } finally {
      await agent.close();
    }
  });

  it('with the leave policy, files stay and are not scored again after a restart', async () => {
    const fx = await agentFixture();
    const base = fx.config(broker.url, { agentId: 'leaver' });
    const config = parseAgentConfig({ ...base, watch: [{ path: fx.inDir, policy: 'leave', stableMs: 300 }] }, fx.root);
    for (const rel of PNGS) copyFileSync(join(SAMPLES, rel), join(fx.inDir, rel.replace(/\//g, '_')));
    const mine = () => [...hub.results.values()].filter((r) => r.agent === 'leaver');
    const first = await startAgent(config, quiet);
    await hub.waitFor(() => mine().length === PNGS.length && first.store.outboxSize() === 0, 20_000, 'scored once');
    await first.close();
    assert.equal(readdirSync(fx.inDir).length, PNGS.length, 'files left in place');

    const second = await startAgent(config, quiet);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const metrics = await (await fetch(`http://127.0.0.1:${second.httpPort}/metrics`)).text();
      assert.match(metrics, /^cxr_agent_files_scored_total 0$/m);
      assert.match(metrics, /^cxr_agent_files_seen_total 0$/m, 'known paths are not even re-read');
      assert.equal(mine().length, PNGS.length);
    } finally {
      await second.close();
    }
  });

  it('scores identical content dropped under several names at once only once', async () => {
    const fx = await agentFixture();
    const agent = await startAgent(
      parseAgentConfig(fx.config(broker.url, { agentId: 'racer', concurrency: 4 }), fx.root),
      quiet,
    );
    try {
      for (const name of ['a.png', 'b.png', 'c.png', 'd.png'])
        copyFileSync(join(SAMPLES, PNGS[1] as string), join(fx.inDir, name));
      const mine = () => [...hub.results.values()].filter((r) => r.agent === 'racer');
      const processed = () => readdirSync(join(fx.dataDir, 'processed'), { withFileTypes: false }).length;
      await hub.waitFor(() => readdirSync(fx.inDir).length === 0, 20_000, 'all four handled');
      assert.equal(processed(), 4);
      await hub.waitFor(() => mine().length === 1 && agent.store.outboxSize() === 0, 5000, 'one result acked');
      const metrics = await (await fetch(`http://127.0.0.1:${agent.httpPort}/metrics`)).text();
      assert.match(metrics, /^cxr_agent_files_scored_total 1$/m);
      assert.match(metrics, /^cxr_agent_files_duplicate_total 3$/m);
    } finally {
      await agent.close();
    }
  });

  it('pauses intake with an alert when free disk space is under the watermark', async () => {
    const fx = await agentFixture();
    const { bavail, bsize } = await statfs(fx.root);
    const config = fx.config(broker.url, {
      agentId: 'full-disk',
      disk: { minFreeBytes: bavail * bsize + 1e9, minFreePercent: 0 },
    });
    const agent = await startAgent(parseAgentConfig(config, fx.root), quiet);
    try {
      copyFileSync(join(SAMPLES, PNGS[0] as string), join(fx.inDir, 'waiting.png'));
      await hub.waitFor(
        () => hub.statuses.some((s) => s.agent === 'full-disk' && s.intakePaused === true),
        5000,
        'paused status',
      );
      await new Promise((r) => setTimeout(r, 1000));
      const health = (await (await fetch(`http://127.0.0.1:${agent.httpPort}/healthz`)).json()) as Record<
        string,
        unknown
      >;
      assert.equal(health.intakePaused, true);
      assert.equal(health.backlog, 1, 'the file waits in the queue');
      const metrics = await (await fetch(`http://127.0.0.1:${agent.httpPort}/metrics`)).text();
      assert.match(metrics, /^cxr_agent_intake_paused 1$/m);
      assert.match(metrics, /^cxr_agent_files_seen_total 0$/m);
    } finally {
      await agent.close();
    }
  });
});
