/**
 * Checkpoints: model weights (+ optimizer state for resume) as `<name>.json` (names, shapes, epoch,
 * metrics) and `<name>.bin` (the float32 values, concatenated). Plain files, readable without tfjs.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';
import { CxrError } from '../../models/errors.ts';

interface Entry {
  name: string;
  shape: number[];
}

export interface CheckpointMeta {
  epoch: number;
  [key: string]: unknown;
}

interface CheckpointFile {
  meta: CheckpointMeta;
  weights: Entry[];
  optimizer: Entry[];
}

async function atomicWrite(path: string, data: string | Uint8Array): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

export async function saveCheckpoint(
  dir: string,
  name: string,
  model: tfType.LayersModel,
  optimizer: tfType.Optimizer | null,
  meta: CheckpointMeta,
): Promise<void> {
  const weights = model.weights.map((w) => ({ name: w.originalName, tensor: w.read() }));
  const opt = optimizer ? await optimizer.getWeights() : [];
  const all = [...weights.map((w) => w.tensor), ...opt.map((w) => w.tensor)];
  const sizes = all.map((t) => t.size);
  const buffer = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  let offset = 0;
  for (const t of all) {
    buffer.set(t.dataSync() as Float32Array, offset);
    offset += t.size;
  }
  const file: CheckpointFile = {
    meta,
    weights: weights.map((w) => ({ name: w.name, shape: w.tensor.shape })),
    optimizer: opt.map((w) => ({ name: w.name, shape: w.tensor.shape })),
  };
  await atomicWrite(join(dir, `${name}.bin`), new Uint8Array(buffer.buffer));
  await atomicWrite(join(dir, `${name}.json`), `${JSON.stringify(file, null, 1)}\n`);
}

export function hasCheckpoint(dir: string, name: string): boolean {
  return existsSync(join(dir, `${name}.json`)) && existsSync(join(dir, `${name}.bin`));
}

/** Loads weights into `model` (matched by name) and, when given, the optimizer state. Returns the meta. */
export async function loadCheckpoint(
  tf: typeof tfType,
  dir: string,
  name: string,
  model: tfType.LayersModel,
  optimizer?: tfType.Optimizer,
): Promise<CheckpointMeta> {
  let file: CheckpointFile;
  let bytes: Buffer;
  try {
    file = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as CheckpointFile;
    bytes = await readFile(join(dir, `${name}.bin`));
  } catch (cause) {
    throw new CxrError('CXR_ERR_CHECKPOINT_INVALID', `checkpoint ${name} in ${dir} cannot be read`, { cause });
  }
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let offset = 0;
  const take = (e: Entry) => {
    const size = e.shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(data.subarray(offset, offset + size), e.shape);
    offset += size;
    return t;
  };
  const byName = new Map(file.weights.map((e) => [e.name, take(e)]));
  for (const w of model.weights) {
    const t = byName.get(w.originalName);
    if (!t || t.shape.join() !== w.shape.join()) {
      throw new CxrError('CXR_ERR_CHECKPOINT_INVALID', `checkpoint does not fit the model at weight ${w.originalName}`);
    }
    w.write(t);
  }
  if (optimizer && file.optimizer.length) {
    await optimizer.setWeights(file.optimizer.map((e) => ({ name: e.name, tensor: take(e) })));
  }
  return file.meta;
}
