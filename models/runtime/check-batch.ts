/** Checks that every preprocessed image fits the model's input spec (pure). */
import { CxrError } from '../errors.ts';
import type { InputSpec, ModelInput } from '../preprocess/input-spec.ts';

export function checkBatch(batch: readonly ModelInput[], spec: InputSpec): void {
  batch.forEach((input, index) => {
    const expected = spec.channels * spec.size * spec.size;
    if (input.channels !== spec.channels || input.size !== spec.size || input.data.length !== expected) {
      throw new CxrError(
        'CXR_ERR_MODEL_INPUT_MISMATCH',
        `batch[${index}] is ${input.channels}x${input.size}x${input.size} (${input.data.length} values); ` +
          `the model wants ${spec.channels}x${spec.size}x${spec.size}`,
        { kind: 'internal' },
      );
    }
  });
}
