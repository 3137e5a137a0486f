// A stand-in pixel worker for the pool's routing test: it answers every task with whether it was started with the
// text detector (workerData.textDetection) and its thread id, after a short pause (so tasks overlap); a decode task
// whose input says `die` exits the thread. It speaks the pool's protocol (pixel-pool.ts WorkerReply).
import { parentPort, threadId, workerData } from 'node:worker_threads';

const renders = workerData.textDetection !== undefined;
parentPort.postMessage({ type: 'ready' });
parentPort.on('message', (message) => {
  if (message.input?.die) process.exit(3);
  setTimeout(() => {
    parentPort.postMessage({ type: 'done', id: message.id, output: { renders, threadId }, workMs: 1 });
  }, 20);
});
