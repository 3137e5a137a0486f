/**
 * Runs a written package through the production inference path (loadModelPackage + openSession) on ONNX
 * Runtime and OpenVINO and compares the probabilities with tfjs' own predictions on the same inputs.
 * A runtime that cannot be opened here is reported (`error`), not hidden.
 */
import { loadModelPackage } from '../../models/package/load-package.ts';
import type { ModelInput } from '../../models/preprocess/input-spec.ts';
import { openSession } from '../../models/runtime/open-session.ts';
import type { RuntimeName } from '../../models/runtime/types.ts';

export interface RuntimeCheck {
  runtime: RuntimeName;
  maxAbsDiff: number | null;
  images: number;
  ok: boolean;
  error?: string;
}

export async function verifyRuntimes(
  dir: string,
  publicKeyPem: string,
  inputs: ModelInput[],
  expected: Float32Array[],
  tolerance = 1e-4,
): Promise<RuntimeCheck[]> {
  const pkg = await loadModelPackage(dir, { trustedPublicKeysPem: [publicKeyPem] });
  const checks: RuntimeCheck[] = [];
  for (const runtime of ['onnxruntime', 'openvino'] as const) {
    try {
      const { session } = await openSession(pkg, { runtime });
      let worst = 0;
      for (let i = 0; i < inputs.length; i++) {
        const [out] = await session.infer([inputs[i]!]);
        const want = expected[i]!;
        for (let c = 0; c < want.length; c++) worst = Math.max(worst, Math.abs(out!.probabilities[c]! - want[c]!));
      }
      await session.close();
      checks.push({ runtime, maxAbsDiff: worst, images: inputs.length, ok: worst <= tolerance });
    } catch (error) {
      checks.push({ runtime, maxAbsDiff: null, images: inputs.length, ok: false, error: (error as Error).message });
    }
  }
  return checks;
}
