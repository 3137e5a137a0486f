// A stand-in pixel worker that takes a while to start, as a real one loading its text detector does: after a
// pause it writes the file named by CXR_TEST_READY_MARKER, then says it is ready (pixel-pool.ts WorkerReply).
// It answers no tasks: the test that uses it (test/integration/agent-online-when-ready.test.ts) sends none.
import { writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

setTimeout(() => {
  writeFileSync(process.env.CXR_TEST_READY_MARKER, 'ready');
  parentPort.postMessage({ type: 'ready' });
}, 1500);
