/**
 * Agent model take-up end to end (docs/rollout.md "Agent"), in-process, with a REAL Mosquitto, the ack-ing
 * test hub, a rollout double and a real Range-capable package server (agent-model-harness.ts): download with a
 * cut transfer resumed → verify → self-test → switch between two images, restart, rollback from disk,
 * refusals with codes, shadow mode.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startAgent } from '../../agent/main.ts';
import { generateKeyPair } from '../../models/package/keys.ts';
import type { ModelDesired } from '../../protocol/messages.ts';
import { modelUpdateHarness, PNGS, pkg, quiet, WAIT_MS } from './agent-model-harness.ts';

describe('agent model update (real broker, real package server)', () => {
  const h = modelUpdateHarness();
  const { setUp, desired, stateFor, resultFor, results, steps } = h;

  it('downloads (resuming a cut transfer), verifies, self-tests and switches between two images; restart keeps it; rollback from disk needs no download', async () => {
    const { hub, rollout, server, v1, v2 } = h.parts();
    const a = await setUp('upd');
    let agent = await startAgent(a.config, quiet);
    try {
      a.drop(PNGS[0] as string);
      await resultFor('upd', 1);
      const url = server.serve('/upd/2.0.0.tar', v2.bytes);
      server.cutOnce('/upd/2.0.0.tar', Math.floor(v2.bytes.length / 2));
      const from = server.requests.length;
      await rollout.desire(a.address, desired(v2, url, 'r1'));
      const active = await stateFor('upd', '2.0.0', 'active');
      assert.equal(active.activeVersion, '2.0.0');
      assert.equal(active.rolloutId, 'r1');
      assert.equal(active.retained, false, 'live report');
      assert.deepEqual(steps('upd', '2.0.0'), ['downloading', 'verifying', 'self-test', 'active']);
      const downloading = rollout.statesOf('upd').filter((s) => s.state === 'downloading');
      assert.equal(downloading.at(-1)?.bytes, v2.bytes.length);
      assert.equal(downloading.at(-1)?.totalBytes, v2.bytes.length);
      assert.equal(downloading.at(0)?.activeVersion, '1.0.0', 'still on the old model while downloading');
      const gets = server.requests.slice(from).filter((r) => r.path === '/upd/2.0.0.tar');
      assert.equal(gets.length, 2, 'one cut transfer, one resumed');
      assert.match(gets[1]?.range ?? '', /^bytes=[1-9]\d*-$/);

      await hub.waitFor(
        () => hub.statuses.some((s) => s.agent === 'upd' && s.model?.version === '2.0.0'),
        WAIT_MS,
        'status shows 2.0.0',
      );
      const health = (await (await fetch(`http://127.0.0.1:${agent.httpPort}/healthz`)).json()) as {
        model: { version: string };
      };
      assert.equal(health.model.version, '2.0.0');
      const metrics = await (await fetch(`http://127.0.0.1:${agent.httpPort}/metrics`)).text();
      assert.match(metrics, /^cxr_agent_model_info\{version="2\.0\.0",runtime="(openvino|onnxruntime)"\} 1$/m);
      assert.match(metrics, /^cxr_agent_model_updates_total\{state="active"\} 1$/m);

      a.drop(PNGS[1] as string);
      await resultFor('upd', 2);
      assert.deepEqual(
        results('upd')
          .map((r) => r.model.version)
          .sort(),
        ['1.0.0', '2.0.0'],
      );
      assert.ok(existsSync(join(a.modelsDir, '2.0.0', 'manifest.json')));
      assert.deepEqual(readdirSync(join(a.modelsDir, '.download')), [], 'the .part is gone');
      assert.deepEqual(readdirSync(join(a.modelsDir, '.staging')), []);
      assert.equal(a.state().active, '2.0.0');
      assert.equal(a.state().previous, '1.0.0');
    } finally {
      await agent.close();
    }

    const requestsBefore = server.requests.length;
    const statesBefore = rollout.states.length;
    agent = await startAgent(a.config, quiet);
    try {
      assert.equal(agent.model.manifest.version, '2.0.0', 'restart starts on state.active');
      await stateFor('upd', '2.0.0', 'active', statesBefore); // the retained desired, reported again
      await rollout.desire(a.address, desired(v1, `${server.baseUrl}/not-served/1.0.0.tar`, 'r1-back'));
      const back = await stateFor('upd', '1.0.0', 'active', statesBefore);
      assert.equal(back.activeVersion, '1.0.0');
      assert.deepEqual(steps('upd', '1.0.0', statesBefore), ['verifying', 'self-test', 'active']);
      assert.equal(server.requests.length, requestsBefore, 'nothing downloaded');
      a.drop(PNGS[2] as string);
      await resultFor('upd', 3);
      assert.deepEqual(
        results('upd')
          .map((r) => r.model.version)
          .sort(),
        ['1.0.0', '1.0.0', '2.0.0'],
      );
      assert.equal(a.state().active, '1.0.0');
      assert.equal(a.state().previous, '2.0.0');
    } finally {
      await agent.close();
    }
  });

  it('refuses a transfer with a flipped byte, an altered model and an unknown signer with codes; stays on its model; retries only for a new rollout id', async () => {
    const { rollout, server, v2 } = h.parts();
    const a = await setUp('refuse');
    const agent = await startAgent(a.config, quiet);
    try {
      const flipped = Buffer.from(v2.bytes);
      flipped[700] = (flipped[700] as number) ^ 0x01;
      const altered = await pkg('2.0.0', {
        seed: 2,
        alter: (dir) => {
          const onnx = readFileSync(join(dir, 'model.onnx'));
          onnx[onnx.length - 10] = (onnx[onnx.length - 10] as number) ^ 0x01;
          writeFileSync(join(dir, 'model.onnx'), onnx);
        },
      });
      const stranger = await pkg('2.0.0', { seed: 2, keyPair: generateKeyPair() });
      const cases = [
        { id: 'bad-transit', msg: desired(v2, server.serve('/refuse/t.tar', flipped), 'bad-transit') },
        { id: 'bad-model', msg: desired(altered, server.serve('/refuse/m.tar', altered.bytes), 'bad-model') },
        { id: 'bad-key', msg: desired(stranger, server.serve('/refuse/k.tar', stranger.bytes), 'bad-key') },
      ];
      const codes: string[] = [];
      for (const { id, msg } of cases) {
        await rollout.desire(a.address, msg);
        const failed = await rollout.waitFor(
          () => rollout.statesOf('refuse').find((s) => s.rolloutId === id && s.state === 'failed'),
          WAIT_MS,
          `${id} failed`,
        );
        assert.equal(failed.activeVersion, '1.0.0');
        assert.ok(failed.reason && failed.reason.length > 0);
        codes.push(failed.code as string);
      }
      assert.deepEqual(codes, [
        'CXR_ERR_AGENT_MODEL_SHA256_MISMATCH',
        'CXR_ERR_PACKAGE_HASH_MISMATCH',
        'CXR_ERR_PACKAGE_UNTRUSTED_KEY',
      ]);
      assert.equal(existsSync(join(a.modelsDir, '2.0.0')), false, 'nothing refused was installed');
      assert.deepEqual(readdirSync(join(a.modelsDir, '.staging')), []);
      assert.deepEqual(readdirSync(join(a.modelsDir, '.download')), []);

      const requests = server.requests.length;
      const states = rollout.states.length;
      await rollout.desire(a.address, cases[2]?.msg as ModelDesired); // the same failed take-up again
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(server.requests.length, requests, 'a remembered failure is not downloaded again');
      assert.deepEqual(rollout.statesOf('refuse', states), []);
      await rollout.desire(a.address, { ...(cases[2]?.msg as ModelDesired), rolloutId: 'bad-key-2' });
      const again = await stateFor('refuse', '2.0.0', 'failed', states);
      assert.equal(again.code, 'CXR_ERR_PACKAGE_UNTRUSTED_KEY');
      assert.equal(server.requests.length, requests + 1, 'a new rollout id tries again');

      a.drop(PNGS[0] as string);
      await resultFor('refuse', 1);
      assert.equal(results('refuse')[0]?.model.version, '1.0.0');
      assert.equal(agent.model.manifest.version, '1.0.0');
      assert.equal(a.state().failed.length, 4);
    } finally {
      await agent.close();
    }
  });

  it('in shadow mode scores with both models, fails on low agreement, reports agreement and switches when it agrees', async () => {
    const { rollout, server } = h.parts();
    const flagsAll = await pkg('1.0.0', { threshold: 0 });
    const flagsNone = await pkg('2.0.0', { threshold: 1 });
    const same = await pkg('2.1.0', { threshold: 0 });
    const a = await setUp('shadow', flagsAll, { shadowImages: 2, shadowMinAgreement: 0.9 });
    const agent = await startAgent(a.config, quiet);
    try {
      await rollout.desire(
        a.address,
        desired(flagsNone, server.serve('/shadow/a.tar', flagsNone.bytes), 's1', { shadow: true }),
      );
      await stateFor('shadow', '2.0.0', 'shadow');
      a.drop(PNGS[0] as string);
      a.drop(PNGS[1] as string);
      const failed = await stateFor('shadow', '2.0.0', 'failed');
      assert.equal(failed.code, 'CXR_ERR_AGENT_MODEL_SHADOW_DISAGREES');
      assert.equal(failed.agreement, 0);
      assert.equal(failed.shadowImages, 2);
      assert.equal(failed.activeVersion, '1.0.0');

      await rollout.desire(a.address, desired(same, server.serve('/shadow/b.tar', same.bytes), 's2', { shadow: true }));
      await stateFor('shadow', '2.1.0', 'shadow');
      a.drop(PNGS[2] as string);
      a.drop(PNGS[3] as string);
      await stateFor('shadow', '2.1.0', 'active');
      const last = rollout
        .statesOf('shadow')
        .filter((s) => s.version === '2.1.0' && s.state === 'shadow')
        .at(-1);
      assert.equal(last?.agreement, 1);
      assert.equal(last?.shadowImages, 2);
      await resultFor('shadow', 4);
      assert.ok(
        results('shadow').every((r) => r.model.version === '1.0.0'),
        'shadow images are scored (and sent) by the active model only',
      );
      a.drop(PNGS[4] as string);
      await resultFor('shadow', 5);
      assert.deepEqual(
        results('shadow')
          .map((r) => r.model.version)
          .filter((v) => v !== '1.0.0'),
        ['2.1.0'],
      );
    } finally {
      await agent.close();
    }
  });
});
