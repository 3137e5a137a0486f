/**
 * The gate's golden values: after a package is written, ONNX Runtime (float32, as deployed) runs its golden inputs;
 * its gate head must agree with the Float64 fit within 1e-3, and its gate outputs become each golden case's
 * `expectedExtra` (the self-test then checks them on every load). The package is written again with them.
 * Used by `cxr export` and `cxr refit-gate`.
 */
import { CxrError } from '../../models/errors.ts';
import { publicKeyOf } from '../../models/package/keys.ts';
import { type WritePackageInput, writeModelPackage } from '../../models/package/write-package.ts';
import type { ModelInput } from '../../models/preprocess/input-spec.ts';
import { GATE_OUTPUTS } from '../gate/gate-head.ts';
import { applyLinear, type Linear } from '../gate/gate-math.ts';
import { goldenExtras } from './verify-runtimes.ts';

/** `head` applied to `features` (the golden inputs' features as the fit saw them) is the fit's gate head. */
export async function writeGateGolden(
  dir: string,
  input: WritePackageInput,
  golden: ModelInput[],
  fit: { head: Linear; features: Float32Array[] },
): Promise<void> {
  const produced = await goldenExtras(dir, publicKeyOf(input.privateKeyPem), golden);
  produced.forEach((extra, i) => {
    const p = 1 / (1 + Math.exp(-applyLinear(fit.head, fit.features[i]!)[0]!));
    if (Math.abs((extra[GATE_OUTPUTS.head]?.[0] ?? Number.NaN) - p) > 1e-3) {
      throw new CxrError('CXR_ERR_EXPORT_MISMATCH', `gate head: ONNX ${extra[GATE_OUTPUTS.head]?.[0]} vs fit ${p}`, {
        kind: 'internal',
      });
    }
    input.manifest.golden[i]!.expectedExtra = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, [...v]]));
  });
  await writeModelPackage(dir, input);
}
