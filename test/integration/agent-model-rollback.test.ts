/**
 * Agent model rollbacks and races (docs/rollout.md "Agent") with the real parts of agent-model-harness.ts:
 * start-up fallback when the active version fails, probation rollback after inference failures, the latest
 * desired message winning over a take-up in progress, and disabled rollouts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startAgent } from '../../agent/main.ts';
import { modelUpdateHarness, PNGS, pkg, quiet, WAIT_MS } from './agent-model-harness.ts';

describe('agent model rollback (real broker, real package server)', () => {
  const h = modelUpdateHarness();
  const { setUp, desired, stateFor, resultFor, results, steps } = h;

  it('falls back to the previous version when the active one fails at start-up and reports rolled-back once connected', async () => {
    const { rollout, server, v2 } = h.parts();
    const a = await setUp('boot');
    let agent = await startAgent(a.config, quiet);
    try {
      await rollout.desire(a.address, desired(v2, server.serve('/boot/2.0.0.tar', v2.bytes), 'r-boot'));
      await stateFor('boot', '2.0.0', 'active');
    } finally {
      await agent.close();
    }
    const onnxPath = join(a.modelsDir, '2.0.0', 'model.onnx');
    const onnx = readFileSync(onnxPath);
    onnx[onnx.length - 10] = (onnx[onnx.length - 10] as number) ^ 0x01;
    writeFileSync(onnxPath, onnx);

    const requests = server.requests.length;
    const states = rollout.states.length;
    agent = await startAgent(a.config, quiet);
    try {
      assert.equal(agent.model.manifest.version, '1.0.0');
      const rolledBack = await stateFor('boot', '2.0.0', 'rolled-back', states);
      assert.equal(rolledBack.code, 'CXR_ERR_PACKAGE_HASH_MISMATCH');
      assert.equal(rolledBack.activeVersion, '1.0.0');
      assert.equal(rolledBack.rolloutId, 'r-boot');
      assert.match(rolledBack.reason ?? '', /^at start-up: /);
      await new Promise((r) => setTimeout(r, 1500)); // the retained desired (same rollout id) arrives meanwhile
      assert.equal(server.requests.length, requests, 'the version that failed is not taken up again');
      assert.deepEqual(steps('boot', '2.0.0', states), ['rolled-back']);
      assert.deepEqual(a.state().failed, [{ version: '2.0.0', sha256: v2.sha256, rolloutId: 'r-boot' }]);
      a.drop(PNGS[0] as string);
      await resultFor('boot', 1);
      assert.equal(results('boot')[0]?.model.version, '1.0.0');
    } finally {
      await agent.close();
    }
  });

  it('rolls back to the previous version when the new model fails in inference during probation', async () => {
    const { rollout, server, v1, v2 } = h.parts();
    const a = await setUp('probe', v1, { probationImages: 2, maxErrorFraction: 0.4 });
    const agent = await startAgent(a.config, quiet);
    try {
      await rollout.desire(a.address, desired(v2, server.serve('/probe/2.0.0.tar', v2.bytes), 'r-probe'));
      await stateFor('probe', '2.0.0', 'active');
      assert.equal(agent.model.manifest.version, '2.0.0');
      await agent.model.session.close(); // the new model's runtime breaks: every inference fails from now on
      a.drop(PNGS[0] as string);
      const rolledBack = await stateFor('probe', '2.0.0', 'rolled-back');
      assert.equal(rolledBack.code, 'CXR_ERR_AGENT_MODEL_PROBATION_FAILED');
      assert.equal(rolledBack.activeVersion, '1.0.0');
      assert.equal(rolledBack.rolloutId, 'r-probe');
      await resultFor('probe', 1); // the failed image is retried with the previous model
      assert.equal(results('probe')[0]?.model.version, '1.0.0');
      assert.equal(agent.model.manifest.version, '1.0.0');
      assert.equal(a.state().active, '1.0.0');
      assert.deepEqual(a.state().failed, [{ version: '2.0.0', sha256: v2.sha256, rolloutId: 'r-probe' }]);
    } finally {
      await agent.close();
    }
  });

  it('lets the latest desired message win over a take-up in progress, and reports disabled rollouts', async () => {
    const { rollout, server, v1, v2 } = h.parts();
    const a = await setUp('latest');
    const agent = await startAgent(a.config, quiet);
    try {
      const stalled = server.stall('/latest/2.0.0.tar', v2.bytes, 1000);
      await rollout.desire(a.address, desired(v2, stalled, 'r-slow'));
      await rollout.waitFor(
        () => rollout.statesOf('latest').find((s) => s.state === 'downloading' && (s.bytes ?? 0) > 0),
        WAIT_MS,
        'download under way',
      );
      const v3 = await pkg('3.0.0', { seed: 3 });
      await rollout.desire(a.address, desired(v3, server.serve('/latest/3.0.0.tar', v3.bytes), 'r-fast'));
      const active = await stateFor('latest', '3.0.0', 'active');
      assert.equal(active.activeVersion, '3.0.0');
      assert.deepEqual(steps('latest', '2.0.0'), ['downloading'], 'the abandoned take-up reports nothing more');
      assert.ok(existsSync(join(a.modelsDir, '.download', `${v2.sha256}.part`)), 'its .part stays for a resume');
    } finally {
      await agent.close();
    }

    const off = await setUp('off', v1, { enabled: false });
    const disabled = await startAgent(off.config, quiet);
    try {
      await rollout.desire(off.address, desired(v2, server.serve('/off/2.0.0.tar', v2.bytes), 'r-off'));
      const failed = await stateFor('off', '2.0.0', 'failed');
      assert.equal(failed.code, 'CXR_ERR_AGENT_ROLLOUT_DISABLED');
      await rollout.desire(off.address, desired(v1, `${server.baseUrl}/off/1.0.0.tar`, 'r-off-2'));
      assert.equal((await stateFor('off', '1.0.0', 'active')).activeVersion, '1.0.0');
      assert.equal(disabled.model.manifest.version, '1.0.0');
    } finally {
      await disabled.close();
    }
  });
});
