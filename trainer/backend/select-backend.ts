/**
 * Picks the training backend: `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node` (both native
 * libtensorflow, optional: imported dynamically; here tfjs-node can be built offline, see CXR_TFJS_NODE_DIR), then the offline fallback `wasm` with the
 * gradient kernels it lacks registered by us (trainer/backend/wasm-*.ts), then the pure JS `cpu` backend.
 * Logs which one runs. The wasm binaries are loaded from node_modules (no network).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import { registerBatchNormGrad } from './batchnorm-grad.ts';
import { registerWasmConvBackpropFilter } from './wasm-conv-backprop-filter.ts';
import { registerWasmConvBackpropInput } from './wasm-conv-backprop-input.ts';

export type TrainingBackend = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendPreference = TrainingBackend | 'auto';

export interface SelectedBackend {
  tf: typeof tf;
  name: TrainingBackend;
  /** Why earlier candidates were skipped. */
  skipped: string[];
}

let wasmReady: Promise<void> | null = null;

async function initWasm(threads: number): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(`${dir}${path.sep}`);
  // The threaded build needs worker support that Node lacks here (WASM_HAS_MULTITHREAD_SUPPORT is false);
  // the setting is honoured where it works.
  wasm.setThreadsCount(threads);
}

/**
 * Where an offline-built tfjs-node lives (scripts/build-tfjs-node.sh, docs/tfjs-node-offline.md):
 * `CXR_TFJS_NODE_DIR`, else the script's default prefix in the repo. It is CommonJS: load with require.
 */
function offlineTfjsNodeDir(): string {
  const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
  return process.env.CXR_TFJS_NODE_DIR ?? path.join(repo, '.cache/tfjs-node/node_modules/@tensorflow/tfjs-node');
}

async function tryNative(pkg: string): Promise<boolean> {
  try {
    await import(/* @vite-ignore */ pkg);
    return true;
  } catch {
    if (pkg !== '@tensorflow/tfjs-node') return false;
    try {
      process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
      createRequire(import.meta.url)(offlineTfjsNodeDir());
      return true;
    } catch {
      return false;
    }
  }
}

/** Selects and initialises a backend; `threads` caps wasm threads (default 2). */
export async function selectBackend(
  preference: BackendPreference = 'auto',
  options: { threads?: number; logger?: Logger } = {},
): Promise<SelectedBackend> {
  const skipped: string[] = [];
  const order: TrainingBackend[] =
    preference === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [preference];
  for (const name of order) {
    if (name === 'tensorflow-gpu' || name === 'tensorflow') {
      const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      if ((await tryNative(pkg)) && (await tf.setBackend('tensorflow'))) {
        options.logger?.info({ backend: name, skipped }, 'training backend');
        return { tf, name, skipped };
      }
      skipped.push(`${pkg}: not installed or failed to load`);
      continue;
    }
    if (name === 'wasm') {
      try {
        wasmReady ??= initWasm(options.threads ?? 2);
        await wasmReady;
        if (await tf.setBackend('wasm')) {
          await tf.ready();
          registerWasmConvBackpropFilter(tf);
          registerWasmConvBackpropInput(tf);
          registerBatchNormGrad(tf);
          options.logger?.info({ backend: name, skipped }, 'training backend');
          return { tf, name, skipped };
        }
      } catch (error) {
        skipped.push(`wasm: ${(error as Error).message}`);
      }
      continue;
    }
    await tf.setBackend('cpu');
    await tf.ready();
    options.logger?.warn({ backend: 'cpu', skipped }, 'training backend: pure JS cpu (very slow)');
    return { tf, name: 'cpu', skipped };
  }
  throw new Error(`backend ${preference} is not available: ${skipped.join('; ')}`);
}
