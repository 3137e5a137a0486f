// A pixel worker that really dies mid-image, for the pool's crash tests: it runs the real worker
// (agent/pipeline/pool/pixel-worker.ts) but throws, uncaught, on a decode task when
// - CXR_TEST_CRASH_ONCE names a file that does not exist yet (it is created first: the replacement worker lives), or
// - the file's bytes contain CXR_TEST_CRASH_ON (every time: poison content).
// The throw happens inside the worker's message handling, before the real handler runs: the thread exits.
import { existsSync, writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
parentPort.on('message', (message) => {
  if (message.task !== 'decode') return;
  const once = process.env.CXR_TEST_CRASH_ONCE;
  if (once && !existsSync(once)) {
    writeFileSync(once, 'crashed');
    throw new Error('test: pixel worker dies mid-image');
  }
  const poison = process.env.CXR_TEST_CRASH_ON;
  if (poison && Buffer.from(message.input.bytes).includes(poison)) throw new Error('test: poison content');
});
await import('../../../../agent/pipeline/pool/pixel-worker.ts');
