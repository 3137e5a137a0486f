import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { PixelPool } from '../../../../agent/pipeline/pool/pixel-pool.ts';
import { textureStats } from '../../../../models/image/image-stats.ts';
import { readImage } from '../../../../models/image/read-image.ts';
import { preprocess } from '../../../../models/preprocess/preprocess.ts';
import { POOL_INPUT_SPEC, sample } from '../../fixture.ts';

const CRASHING = new URL('./crashing-worker.mjs', import.meta.url);
const ROLES = new URL('./role-worker.mjs', import.meta.url);
const spec = POOL_INPUT_SPEC;
const dicom = () => new Uint8Array(sample('dicom/nccid/nih_DX_NoFinding_implicitLE.dcm'));
const dir = mkdtempSync(join(tmpdir(), 'cxr-pool-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('pixel pool', () => {
  it('decodes on a worker thread and moves the buffers instead of copying them', async () => {
    const pool = await PixelPool.start({ size: 1, init: {}, log: pino({ level: 'silent' }) });
    try {
      const bytes = dicom();
      const size = bytes.byteLength;
      const { output, workMs } = await pool.run('decode', { bytes, diagnostic: true, spec, keepPixels: true }, [
        bytes.buffer,
      ]);
      assert.equal(bytes.byteLength, 0, 'the file bytes left this thread (moved)');
      assert.equal(output.bytes.byteLength, size, 'and came back');
      assert.equal(output.image.pixels?.length, output.image.rows * output.image.cols);
      assert.equal(output.image.diagnostic?.samples.length, output.image.rows * output.image.cols);
      assert.ok(workMs > 0);
    } finally {
      await pool.close();
    }
  });

  it('preprocesses in the same task, and keeps the pixels in the worker unless asked for them', async () => {
    const pool = await PixelPool.start({ size: 1, init: {}, log: pino({ level: 'silent' }) });
    try {
      const bytes = dicom();
      const { output } = await pool.run('decode', { bytes, diagnostic: false, spec, keepPixels: false }, [
        bytes.buffer,
      ]);
      assert.equal(output.image.pixels, undefined, 'no pixels came back');
      assert.equal(output.image.rows, 1024);
      const here = await readImage(dicom());
      assert.deepEqual(output.input, preprocess(here, spec), 'the model input the trainer’s code makes');
      assert.deepEqual(output.stats, textureStats(here.pixels, here.cols, here.rows));
    } finally {
      await pool.close();
    }
  });

  it('sends render tasks only to the workers with a text detector, also after one of them died', async () => {
    const pool = await PixelPool.start({
      size: 2,
      renderers: 1,
      init: { textDetection: { side: 640, keepLaterality: false } },
      log: pino({ level: 'silent' }),
      workerUrl: ROLES,
    });
    type Role = { renders: boolean; threadId: number };
    const run = async (task: 'render' | 'decode', input: object = {}) =>
      (await pool.run(task, input as never, [])).output as unknown as Role;
    try {
      const renders = await Promise.all(Array.from({ length: 6 }, () => run('render')));
      assert.ok(
        renders.every((r) => r.renders),
        'every render ran on the detector worker',
      );
      const decodes = await Promise.all(Array.from({ length: 6 }, () => run('decode')));
      assert.equal(new Set(decodes.map((d) => d.threadId)).size, 2, 'decodes ran on both workers');
      const [renderer] = renders;
      await assert.rejects(run('render', { die: true }), { code: 'CXR_ERR_AGENT_WORKER_DIED' });
      assert.equal(pool.restarts, 1, 'the detector worker died');
      const after = await Promise.all(Array.from({ length: 4 }, () => run('render')));
      assert.ok(
        after.every((r) => r.renders),
        'its replacement has the detector role',
      );
      assert.ok(
        after.every((r) => r.threadId !== renderer?.threadId),
        'on a new thread',
      );
    } finally {
      await pool.close();
    }
  });

  it('reports bad input as the reader’s input error, not as a crash', async () => {
    const pool = await PixelPool.start({ size: 1, init: {}, log: pino({ level: 'silent' }) });
    try {
      const bytes = new Uint8Array(dicom().subarray(0, 2000));
      await assert.rejects(pool.run('decode', { bytes, diagnostic: false, spec, keepPixels: false }, [bytes.buffer]), {
        code: 'CXR_ERR_DICOM_TRUNCATED',
        kind: 'input',
      });
    } finally {
      await pool.close();
    }
  });

  it('fails only the task of a worker that dies, replaces the worker and goes on', async () => {
    process.env.CXR_TEST_CRASH_ONCE = join(dir, 'crashed-once');
    const pool = await PixelPool.start({ size: 1, init: {}, log: pino({ level: 'silent' }), workerUrl: CRASHING });
    try {
      const first = dicom();
      await assert.rejects(
        pool.run('decode', { bytes: first, diagnostic: false, spec, keepPixels: false }, [first.buffer]),
        {
          code: 'CXR_ERR_AGENT_WORKER_DIED',
          kind: 'internal',
        },
      );
      const again = dicom();
      const { output } = await pool.run('decode', { bytes: again, diagnostic: false, spec, keepPixels: false }, [
        again.buffer,
      ]);
      assert.equal(output.image.rows, 1024, 'the replacement worker decodes');
      assert.equal(pool.restarts, 1);
      assert.equal(pool.size, 1);
    } finally {
      delete process.env.CXR_TEST_CRASH_ONCE;
      await pool.close();
    }
  });

  it('closes a replacement worker still starting, so the process can exit', async () => {
    const script = fileURLToPath(new URL('./close-while-restarting.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, CXR_TEST_CRASH_ON: 'CXR-TEST-POISON' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    // A thread left running keeps the child alive: give it a minute (a loaded machine), then call it stuck.
    const stuck = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(stuck);
    assert.equal(stdout.trim(), 'closed 0', 'no thread alive once closed');
    assert.deepEqual([code, signal], [0, null], 'the process exited by itself');
  });
});
