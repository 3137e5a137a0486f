/** How a model wants its input: stored in the model manifest, applied by models/preprocess. */
import { type Static, Type } from '@sinclair/typebox';
import type { ContentBox } from './content-box.ts';

export const InputSpecSchema = Type.Object({
  /** Square side in pixels (the model's resolution). */
  size: Type.Integer({ minimum: 16, maximum: 2048 }),
  /** 1 (grey) or 3 (grey replicated), NCHW layout. */
  channels: Type.Union([Type.Literal(1), Type.Literal(3)]),
  /** Applied to [0,1] pixels after resizing: (x - mean) / std. */
  mean: Type.Number(),
  std: Type.Number({ exclusiveMinimum: 0 }),
  /** letterbox: keep aspect, pad with `padValue`; stretch: ignore aspect; center-crop: crop the long side. */
  resize: Type.Union([Type.Literal('letterbox'), Type.Literal('stretch'), Type.Literal('center-crop')]),
  padValue: Type.Number({ minimum: 0, maximum: 1 }),
  layout: Type.Literal('NCHW'),
  /**
   * Uniform black margins at least this wide (fraction of the image across) are cut off before resizing
   * (content-box.ts); absent: 0.15, what packages up to 3.1.x were trained with. White margins are always cut.
   */
  blackMarginCut: Type.Optional(Type.Number({ minimum: 0.01, maximum: 0.25 })),
});
export type InputSpec = Static<typeof InputSpecSchema>;

/** One preprocessed image ready for a runtime: `data` has channels*size*size floats, NCHW. */
export interface ModelInput {
  data: Float32Array;
  channels: 1 | 3;
  size: number;
  /** The part of the image that was fed, when uniform margins were cut off (content-box.ts); else the whole. */
  content?: ContentBox;
}
