/**
 * Preprocess stage, on the pixel pool. In: a DecodedFile that passed the chest check, and the model's input
 * spec. Out: a PreparedFile — the same film plus the model input (models/preprocess: the trainer's exact code,
 * so the agent feeds the model what it was trained on). The pixels travel to the worker and back without a
 * copy. Nothing here fails on a film that decoded; a failure is internal (the file is retried).
 */
import type { DecodedImage } from '../../../models/image/types.ts';
import type { InputSpec, ModelInput } from '../../../models/preprocess/input-spec.ts';
import { preprocess } from '../../../models/preprocess/preprocess.ts';
import type { PixelRunner, WorkerResult } from '../pool/pixel-tasks.ts';
import type { DecodedFile } from './decode.ts';

export interface PreprocessTask {
  in: { pixels: Float32Array; rows: number; cols: number; spec: InputSpec };
  out: { input: ModelInput; pixels: Float32Array };
}

export interface PreparedFile extends DecodedFile {
  input: ModelInput;
}

export async function prepare(decoded: DecodedFile, spec: InputSpec, pool: PixelRunner): Promise<PreparedFile> {
  const { pixels, rows, cols } = decoded.image;
  const reply = await pool.run('preprocess', { pixels, rows, cols, spec }, [pixels.buffer as ArrayBuffer]);
  const image: DecodedImage = { ...decoded.image, pixels: reply.pixels };
  return { ...decoded, image, input: reply.input };
}

export function preprocessInWorker(task: PreprocessTask['in']): WorkerResult<PreprocessTask['out']> {
  const input = preprocess(task, task.spec);
  return {
    output: { input, pixels: task.pixels },
    transfer: [input.data.buffer as ArrayBuffer, task.pixels.buffer as ArrayBuffer],
  };
}
