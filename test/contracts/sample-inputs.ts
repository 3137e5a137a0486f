/** Real chest X-rays from models/samples, read and preprocessed as the agent does, for runtime tests. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImageFile } from '../../models/image/read-image.ts';
import type { InputSpec, ModelInput } from '../../models/preprocess/input-spec.ts';
import { preprocess } from '../../models/preprocess/preprocess.ts';

export const SAMPLE_DIR = fileURLToPath(new URL('../../models/samples/nih/images/', import.meta.url));

export async function samplePaths(count: number): Promise<string[]> {
  const names = (await readdir(SAMPLE_DIR)).filter((name) => name.endsWith('.png')).sort();
  return names.slice(0, count).map((name) => join(SAMPLE_DIR, name));
}

export async function sampleInputs(spec: InputSpec, count: number): Promise<ModelInput[]> {
  const paths = await samplePaths(count);
  return Promise.all(paths.map(async (path) => preprocess(await readImageFile(path), spec)));
}
