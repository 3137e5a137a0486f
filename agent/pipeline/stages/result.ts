/**
 * Result stage (pure but for the clock). In: a RenderedFile, the file's model lease, the agent's identity and
 * the stage timings so far. Out: the scored verdict — the protocol ResultMessage built once from everything the
 * stages produced (agent/screening/result-builder.ts), checked against the protocol schema, with the diagnostic
 * PNG to queue. A result that does not match the schema is a bug: CXR_ERR_AGENT_RESULT_INVALID (internal, retried).
 */
import { CxrError } from '../../../models/errors.ts';
import { plausibleAcquisition } from '../../../models/image/dicom/acquisition-time.ts';
import type { ShadowOutput } from '../../../protocol/messages.ts';
import { decoders } from '../../../protocol/validate.ts';
import type { ModelLease } from '../../model/model-slot.ts';
import { buildResult, type ResultFacts } from '../../screening/result-builder.ts';
import type { ScoredVerdict } from '../verdict.ts';
import type { RenderedFile } from './render.ts';

export interface ResultContext {
  identity: { site: string; agent: string; siteSecret: string };
  lease: Pick<ModelLease, 'manifest' | 'runtime'>;
  /** The site calibration's operating points for the lease's model, when one applies. */
  calibration?: ResultFacts['calibration'];
  timingsMs: Record<string, number>;
  scoredAt: Date;
  /** The live shadow's output on this film (stages/shadow.ts), carried as the result's `shadow`. */
  shadow?: ShadowOutput;
}

export function scored(rendered: RenderedFile, context: ResultContext): ScoredVerdict {
  const { source, image, pixels } = rendered;
  const receivedAt = source.file.receivedAt;
  const result = buildResult({
    ...context.identity,
    contentSha256: source.sha256,
    image,
    manifest: context.lease.manifest,
    runtime: context.lease.runtime,
    probabilities: rendered.probabilities,
    timingsMs: context.timingsMs,
    receivedAt,
    acquiredAt: plausibleAcquisition(image.acquiredAt, receivedAt),
    scoredAt: context.scoredAt,
    ...(context.calibration ? { calibration: context.calibration } : {}),
    ...(pixels ? { pixels } : {}),
  });
  if (context.shadow) result.shadow = context.shadow;
  if (!decoders.result.check(result)) {
    throw new CxrError('CXR_ERR_AGENT_RESULT_INVALID', 'built result does not match the protocol schema', {
      kind: 'internal',
    });
  }
  return { kind: 'scored', source, result, ...(pixels?.diagnostic ? { diagnostic: pixels.diagnostic } : {}) };
}
