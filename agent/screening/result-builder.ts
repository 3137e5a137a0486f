/**
 * Result builder (pure). In: the decoded image's non-PHI facts, its identifiers, the model's output, the
 * manifest and what the render stage released of the film. Out: a protocol `ResultMessage` (probabilities, the
 * triage tier and the findings called — models/triage, never "Normal" as a finding —, pseudonymous keys, safe
 * header data, acquisition time, timings, and the burned-in text report, preview, evidence maps and diagnostic
 * image description when pixels leave). Identifiers leave only as HMACs with the site secret
 * (docs/architecture.md "Privacy"). With a site calibration for this model (docs/agent.md#site-calibration) the
 * triage uses its operating points and carries its version (`triage.calibrationVersion`).
 */
import { createHash } from 'node:crypto';
import type { PixelDeidReport } from '../../models/deid/deidentify-pixels.ts';
import { pseudonymize, pseudonymizeIdentifiers } from '../../models/deid/pseudonymize.ts';
import { CxrError } from '../../models/errors.ts';
import type { DecodedImage } from '../../models/image/types.ts';
import type { Manifest } from '../../models/package/manifest.ts';
import type { RuntimeName } from '../../models/runtime/types.ts';
import { type TriageRoles, triageRoles } from '../../models/triage/class-roles.ts';
import { triage } from '../../models/triage/triage-policy.ts';
import type { ActivationMessage, ResultMessage, TriageMessage } from '../../protocol/messages.ts';
import type { DiagnosticImage } from '../../protocol/pixel-messages.ts';
import type { ImageBlob } from './image-blob.ts';
import { safeImageFacts } from './safe-image-facts.ts';

export interface ResultFacts {
  site: string;
  agent: string;
  siteSecret: string;
  /** sha256 of the file's bytes. */
  contentSha256: string;
  image: Pick<DecodedImage, 'format' | 'rows' | 'cols' | 'meta' | 'identifiers' | 'acquiredAt'>;
  manifest: Pick<Manifest, 'name' | 'version' | 'modelSha256' | 'classes' | 'thresholds' | 'triage'>;
  runtime: RuntimeName;
  probabilities: Float32Array;
  timingsMs: Record<string, number>;
  receivedAt: Date;
  /** From the file's header (DICOM acquisition/content date-time), when it says. */
  acquiredAt?: Date;
  scoredAt: Date;
  /** The site's operating points for this model (site-operating-points.ts), in place of the manifest's. */
  calibration?: { calibrationVersion: number; thresholds: Manifest['thresholds'] };
  /** What of the film leaves (render stage); absent with pixel policy `none`. */
  pixels?: {
    deid: PixelDeidReport;
    preview?: ImageBlob;
    activation?: ActivationMessage;
    diagnostic?: { image: DiagnosticImage };
  };
}

/** Idempotency key: sha256(site | image content hash | model version) (protocol/messages.ts). */
export function resultIdFor(site: string, contentSha256: string, modelVersion: string): string {
  return createHash('sha256').update(`${site}|${contentSha256}|${modelVersion}`).digest('hex');
}

/** The triage of one image with the model's class roles, as the protocol carries it (pure). */
export function triageFor(roles: TriageRoles, probabilities: Record<string, number>): TriageMessage {
  const t = triage(roles, probabilities);
  const operatingPoints: TriageMessage['operatingPoints'] = {};
  for (const f of roles.findings) {
    operatingPoints[f.name] = {
      threshold: f.threshold,
      ...(f.urgentThreshold === undefined ? {} : { urgentThreshold: f.urgentThreshold }),
    };
  }
  if (roles.normal) operatingPoints[roles.normal.name] = { threshold: roles.normal.threshold };
  return {
    ...t,
    findingClasses: roles.findings.map((f) => f.name),
    ...(roles.normal ? { normalClass: roles.normal.name } : {}),
    operatingPoints,
  };
}

/** Probabilities by class name, clamped to [0, 1]. */
export function probabilitiesOf(classes: readonly string[], probabilities: ArrayLike<number>): Record<string, number> {
  const probs: Record<string, number> = {};
  classes.forEach((name, i) => {
    probs[name] = Math.min(1, Math.max(0, probabilities[i] as number));
  });
  return probs;
}

/** The findings a model calls on one output (what shadow mode compares between two models). */
export function findingsOf(
  manifest: Pick<Manifest, 'classes' | 'thresholds' | 'triage'>,
  probabilities: ArrayLike<number>,
): string[] {
  return triage(triageRoles(manifest), probabilitiesOf(manifest.classes, probabilities)).findings;
}

export function buildResult(facts: ResultFacts): ResultMessage {
  const { manifest, probabilities } = facts;
  if (probabilities.length !== manifest.classes.length || probabilities.some((p) => !Number.isFinite(p))) {
    throw new CxrError('CXR_ERR_AGENT_BAD_MODEL_OUTPUT', 'model output does not match the manifest classes', {
      kind: 'internal',
    });
  }
  const probs = probabilitiesOf(manifest.classes, probabilities);
  const timingsMs: Record<string, number> = {};
  for (const [stage, ms] of Object.entries(facts.timingsMs)) timingsMs[stage] = Math.max(0, Math.round(ms * 100) / 100);
  const calibration = facts.calibration;
  const triageOfImage: TriageMessage = {
    ...triageFor(triageRoles(manifest, calibration?.thresholds), probs),
    ...(calibration ? { calibrationVersion: calibration.calibrationVersion } : {}),
  };
  const pixels = facts.pixels;
  return {
    v: 1,
    resultId: resultIdFor(facts.site, facts.contentSha256, manifest.version),
    site: facts.site,
    agent: facts.agent,
    keys: {
      image: pseudonymize(facts.siteSecret, `image:${facts.contentSha256}`),
      ...pseudonymizeIdentifiers(facts.siteSecret, facts.image.identifiers),
    },
    receivedAt: facts.receivedAt.toISOString(),
    ...(facts.acquiredAt ? { acquiredAt: facts.acquiredAt.toISOString() } : {}),
    scoredAt: facts.scoredAt.toISOString(),
    model: { name: manifest.name, version: manifest.version, sha256: manifest.modelSha256 },
    runtime: facts.runtime,
    classes: [...manifest.classes],
    probabilities: probs,
    flags: triageOfImage.findings,
    triage: triageOfImage,
    timingsMs,
    image: safeImageFacts(facts.image, facts.scoredAt),
    ...(pixels ? { deid: pixels.deid } : {}),
    ...(pixels?.preview ? { preview: pixels.preview } : {}),
    ...(pixels?.activation ? { activation: pixels.activation } : {}),
    ...(pixels?.diagnostic ? { diagnostic: pixels.diagnostic.image } : {}),
  };
}
