/**
 * Preprocess stage, on the pixel pool, in the same task as the decode (stages/decode.ts): the film's pixels are
 * still in that worker's cache, and only the small model input has to travel. In: a decoded film and the model's
 * input spec. Out: the model input (models/preprocess: the trainer's exact code, so the agent feeds the model
 * what it was trained on) and the film's pixel statistics (standard deviation, flat share: models/image/image-stats.ts),
 * which the not-a-chest gate checks (models/package/chest-gate.ts), with the time it took. Nothing here fails on a film that decoded.
 */

import { type TextureStats, textureStats } from '../../../models/image/image-stats.ts';
import type { DecodedImage } from '../../../models/image/types.ts';
import type { InputSpec, ModelInput } from '../../../models/preprocess/input-spec.ts';
import { preprocess } from '../../../models/preprocess/preprocess.ts';

export interface Prepared {
  input: ModelInput;
  stats: TextureStats;
  ms: number;
}

export function prepareInWorker(image: Pick<DecodedImage, 'rows' | 'cols' | 'pixels'>, spec: InputSpec): Prepared {
  const started = performance.now();
  const input = preprocess(image, spec);
  return { input, stats: textureStats(image.pixels, image.cols, image.rows), ms: performance.now() - started };
}
