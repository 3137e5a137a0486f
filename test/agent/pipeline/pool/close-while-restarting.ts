/**
 * Run as a child process by pixel-pool.test.ts: a pool of one crashing worker (crashing-worker.mjs) is killed by
 * poison content, so a replacement starts; the pool is closed while that replacement loads its text detector.
 * In: CXR_TEST_CRASH_ON in the environment. Out: `closed <threads>` on stdout, then the process must exit by
 * itself — a thread left running would keep it alive.
 */
import pino from 'pino';
import { PixelPool } from '../../../../agent/pipeline/pool/pixel-pool.ts';
import { POOL_INPUT_SPEC } from '../../fixture.ts';

const poison = process.env.CXR_TEST_CRASH_ON ?? '';
const pool = await PixelPool.start({
  size: 1,
  init: { textDetection: { side: 640, keepLaterality: false } },
  log: pino({ level: 'silent' }),
  workerUrl: new URL('./crashing-worker.mjs', import.meta.url),
});
const bytes = new Uint8Array(Buffer.from(`DICM-not-really ${poison}`));
await pool
  .run('decode', { bytes, diagnostic: false, spec: POOL_INPUT_SPEC, keepPixels: false }, [bytes.buffer])
  .catch(() => undefined);
await new Promise((resolve) => setTimeout(resolve, 50)); // the replacement is starting now
await pool.close();
process.stdout.write(`closed ${pool.threads}\n`);
