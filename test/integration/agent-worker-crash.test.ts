/**
 * A pixel worker that dies mid-image, end to end with the real agent (in-process, real model, real files, real
 * SQLite; no broker needed: results wait in the outbox). The worker (test/agent/pipeline/pool/crashing-worker.mjs)
 * runs the real pixel worker but throws, uncaught, on its first decode task, so the thread exits while holding a
 * file: that file is retried and scored once, nothing is lost, and the pool goes on with a new worker. Content
 * that kills a worker every time is quarantined with CXR_ERR_AGENT_WORKER_CRASHED after three deaths, and the
 * files around it are scored.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { parseAgentConfig } from '../../agent/config.ts';
import { type RunningAgent, startAgent } from '../../agent/main.ts';
import { agentFixture, perturbed, sample } from '../agent/fixture.ts';

const CRASHING = new URL('../agent/pipeline/pool/crashing-worker.mjs', import.meta.url);
const DICOM = sample('dicom/nccid/nih_DX_NoFinding_implicitLE.dcm');

async function until(what: string, predicate: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startCrashingAgent(envFor: (root: string) => Record<string, string>) {
  const fx = await agentFixture();
  // Worker threads, replacements too, start with a copy of the environment: it stays set until the end.
  Object.assign(process.env, envFor(fx.root));
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const config = parseAgentConfig({ ...fx.config('mqtt://127.0.0.1:1'), workers: 1 }, fx.root);
  const agent = await startAgent(config, { logger: pino({ level: 'info' }, sink), pixelWorkerUrl: CRASHING });
  return { fx, agent, logLines };
}

const agents: RunningAgent[] = [];
after(async () => {
  for (const agent of agents) await agent.close();
  delete process.env.CXR_TEST_CRASH_ONCE;
  delete process.env.CXR_TEST_CRASH_ON;
});

describe('a pixel worker that dies mid-image', () => {
  it('retries the image it held, scores every file once and goes on with a new worker', async () => {
    let marker = '';
    const { fx, agent, logLines } = await startCrashingAgent((root) => {
      marker = join(root, 'worker-crashed');
      return { CXR_TEST_CRASH_ONCE: marker };
    });
    agents.push(agent);
    for (let n = 0; n < 4; n++) writeFileSync(join(fx.inDir, `film-${n}.dcm`), perturbed(DICOM, 100 + n));
    await until('4 results in the outbox', () => agent.store.outboxSize() >= 4);
    await new Promise((r) => setTimeout(r, 1000)); // nothing else may arrive
    assert.ok(existsSync(marker), 'a worker died');
    assert.equal(agent.store.outboxSize(), 4, 'one result per file: nothing lost, nothing twice');
    assert.deepEqual(agent.store.fileCounts(), { scored: 4, quarantined: 0 });
    assert.equal(readdirSync(join(fx.dataDir, 'processed')).length, 4);
    const died = logLines.filter((l) => l.includes('CXR_ERR_AGENT_WORKER_DIED'));
    assert.ok(
      died.some((l) => l.includes('"msg":"screening failed; will retry"')),
      'the held file was retried',
    );
  });

  it('quarantines content that kills a worker every time (CXR_ERR_AGENT_WORKER_CRASHED) and scores the rest', async () => {
    const poison = 'CXR-TEST-POISON';
    const { fx, agent } = await startCrashingAgent(() => ({ CXR_TEST_CRASH_ON: poison }));
    agents.push(agent);
    const bad = Buffer.concat([perturbed(DICOM, 7), Buffer.from(poison)]);
    writeFileSync(join(fx.inDir, 'poison.dcm'), bad);
    for (let n = 0; n < 3; n++) writeFileSync(join(fx.inDir, `good-${n}.dcm`), perturbed(DICOM, 200 + n));
    const reasonFile = join(fx.dataDir, 'quarantine', 'poison.dcm.error.json');
    await until('3 scored and 1 quarantined', () => {
      const counts = agent.store.fileCounts();
      return counts.scored === 3 && counts.quarantined === 1 && existsSync(reasonFile);
    });
    const reason = JSON.parse(readFileSync(reasonFile, 'utf8'));
    assert.equal(reason.code, 'CXR_ERR_AGENT_WORKER_CRASHED');
    assert.equal(agent.store.outboxSize(), 3);
  });
});
