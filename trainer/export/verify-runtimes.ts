/**
 * Runs a written package through the production inference path (loadModelPackage + openSession) on ONNX
 * Runtime and OpenVINO: each runtime's probabilities are compared with tfjs' own predictions on the same inputs,
 * and OpenVINO's probabilities, CAMs and extra outputs (the gate's) with ONNX Runtime's (`vsOnnxRuntime`).
 * A runtime that cannot be opened here is reported (`error`), not hidden.
 */
import { CxrError } from '../../models/errors.ts';
import { loadModelPackage } from '../../models/package/load-package.ts';
import type { ModelInput } from '../../models/preprocess/input-spec.ts';
import { openSession } from '../../models/runtime/open-session.ts';
import type { ModelOutput, RuntimeName } from '../../models/runtime/types.ts';

export interface RuntimeCheck {
  runtime: RuntimeName;
  /** Probabilities against tfjs. */
  maxAbsDiff: number | null;
  /** OpenVINO only: max |diff| against ONNX Runtime over probabilities, CAM and extra outputs. */
  vsOnnxRuntime?: { probabilities: number; cam: number; extra: number };
  images: number;
  ok: boolean;
  error?: string;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = a.length === b.length ? 0 : Number.POSITIVE_INFINITY;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - (b[i] ?? Number.NaN)));
  return Number.isNaN(worst) ? Number.POSITIVE_INFINITY : worst;
};

export async function verifyRuntimes(
  dir: string,
  publicKeyPem: string,
  inputs: ModelInput[],
  expected: Float32Array[],
  tolerance = 1e-4,
): Promise<RuntimeCheck[]> {
  const pkg = await loadModelPackage(dir, { trustedPublicKeysPem: [publicKeyPem] });
  const checks: RuntimeCheck[] = [];
  let reference: ModelOutput[] | undefined;
  for (const runtime of ['onnxruntime', 'openvino'] as const) {
    try {
      const { session } = await openSession(pkg, { runtime });
      const outputs: ModelOutput[] = [];
      for (const input of inputs) outputs.push((await session.infer([input]))[0]!);
      await session.close();
      const worst = Math.max(...outputs.map((out, i) => maxDiff(out.probabilities, expected[i]!)));
      const check: RuntimeCheck = { runtime, maxAbsDiff: worst, images: inputs.length, ok: worst <= tolerance };
      if (reference) {
        const ref = reference;
        const extra = outputs.map((out, i) =>
          Math.max(0, ...Object.entries(ref[i]!.extra ?? {}).map(([name, v]) => maxDiff(out.extra?.[name] ?? [], v))),
        );
        check.vsOnnxRuntime = {
          probabilities: Math.max(...outputs.map((out, i) => maxDiff(out.probabilities, ref[i]!.probabilities))),
          cam: Math.max(...outputs.map((out, i) => maxDiff(out.cam, ref[i]!.cam))),
          extra: Math.max(...extra),
        };
        check.ok &&= Object.values(check.vsOnnxRuntime).every((v) => v <= tolerance);
      } else reference = outputs;
      checks.push(check);
    } catch (error) {
      checks.push({ runtime, maxAbsDiff: null, images: inputs.length, ok: false, error: (error as Error).message });
    }
  }
  return checks;
}

/** Throws CXR_ERR_EXPORT_MISMATCH when a runtime that could be opened here disagrees. */
export function assertRuntimesAgree(checks: readonly RuntimeCheck[]): void {
  if (checks.some((v) => !v.ok && v.maxAbsDiff !== null)) {
    throw new CxrError('CXR_ERR_EXPORT_MISMATCH', `runtime outputs differ: ${JSON.stringify(checks)}`, {
      kind: 'internal',
    });
  }
}

/** The extra outputs ONNX Runtime produces for `inputs` (the gate's golden values). */
export async function goldenExtras(
  dir: string,
  publicKeyPem: string,
  inputs: ModelInput[],
): Promise<Record<string, Float32Array>[]> {
  const pkg = await loadModelPackage(dir, { trustedPublicKeysPem: [publicKeyPem] });
  const { session } = await openSession(pkg, { runtime: 'onnxruntime' });
  try {
    const out: Record<string, Float32Array>[] = [];
    for (const input of inputs) out.push((await session.infer([input]))[0]!.extra ?? {});
    return out;
  } finally {
    await session.close();
  }
}
