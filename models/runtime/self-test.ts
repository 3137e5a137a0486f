/**
 * Runs a manifest's golden cases through a session and compares probabilities and the extra outputs (the
 * not-a-chest gate's), so the gate is self-tested with the model.
 * A mismatch beyond a case's tolerance throws CXR_ERR_MODEL_SELFTEST_FAILED (the agent keeps the old model).
 */
import { CxrError } from '../errors.ts';
import { decodeF32 } from '../package/golden.ts';
import type { Manifest } from '../package/manifest.ts';
import type { InferenceSession } from './types.ts';

export interface SelfTestReport {
  cases: number;
  maxAbsDiff: number;
}

export async function selfTest(session: InferenceSession, manifest: Manifest): Promise<SelfTestReport> {
  const { size, channels } = manifest.input;
  const batch = manifest.golden.map((golden) => ({ data: decodeF32(golden.inputF32Base64), channels, size }));
  const outputs = await session.infer(batch);
  let maxAbsDiff = 0;
  manifest.golden.forEach((golden, index) => {
    const produced = outputs[index]?.probabilities ?? new Float32Array(0);
    golden.expectedProbabilities.forEach((expected, k) => {
      const diff = Math.abs((produced[k] ?? Number.NaN) - expected);
      if (!(diff <= golden.tolerance)) {
        throw new CxrError(
          'CXR_ERR_MODEL_SELFTEST_FAILED',
          `golden case ${index}, class "${manifest.classes[k]}": ${session.runtime} gave ${produced[k]}, ` +
            `expected ${expected} ± ${golden.tolerance}`,
          { kind: 'input' },
        );
      }
      maxAbsDiff = Math.max(maxAbsDiff, diff);
    });
    for (const [name, expected] of Object.entries(golden.expectedExtra ?? {})) {
      const produced = outputs[index]?.extra?.[name] ?? new Float32Array(0);
      expected.forEach((value, k) => {
        const diff = Math.abs((produced[k] ?? Number.NaN) - value);
        if (!(diff <= golden.tolerance)) {
          throw new CxrError(
            'CXR_ERR_MODEL_SELFTEST_FAILED',
            `golden case ${index}, output "${name}"[${k}]: ${session.runtime} gave ${produced[k]}, ` +
              `expected ${value} ± ${golden.tolerance}`,
            { kind: 'input' },
          );
        }
        maxAbsDiff = Math.max(maxAbsDiff, diff);
      });
    }
  });
  return { cases: manifest.golden.length, maxAbsDiff };
}
