/**
 * Result builder (pure). In: the decoded image's non-PHI facts, its identifiers, the model's output and the
 * manifest. Out: a protocol `ResultMessage` (probabilities, threshold flags, pseudonymous keys, timings).
 * Identifiers leave only as HMACs with the site secret (ARCHITECTURE.md "Privacy"); the preview and heatmap
 * are attached by the caller (render-images.ts) or left out when `sendPixels` is false.
 */
import { createHash } from 'node:crypto';
import { pseudonymize, pseudonymizeIdentifiers } from '../../models/deid/pseudonymize.ts';
import { CxrError } from '../../models/errors.ts';
import type { DecodedImage } from '../../models/image/types.ts';
import type { Manifest } from '../../models/package/manifest.ts';
import type { RuntimeName } from '../../models/runtime/types.ts';
import type { ResultMessage } from '../../protocol/messages.ts';

export interface ResultFacts {
  site: string;
  agent: string;
  siteSecret: string;
  /** sha256 of the file's bytes. */
  contentSha256: string;
  image: Pick<DecodedImage, 'format' | 'rows' | 'cols' | 'meta' | 'identifiers'>;
  manifest: Pick<Manifest, 'name' | 'version' | 'modelSha256' | 'classes' | 'thresholds'>;
  runtime: RuntimeName;
  probabilities: Float32Array;
  timingsMs: Record<string, number>;
  receivedAt: Date;
  scoredAt: Date;
}

/** Idempotency key: sha256(site | image content hash | model version) (protocol/messages.ts). */
export function resultIdFor(site: string, contentSha256: string, modelVersion: string): string {
  return createHash('sha256').update(`${site}|${contentSha256}|${modelVersion}`).digest('hex');
}

/** Classes at or above their manifest threshold, in manifest order. */
export function flagsFor(
  classes: readonly string[],
  probabilities: ArrayLike<number>,
  thresholds: Manifest['thresholds'],
): string[] {
  return classes.filter((name, i) => {
    const threshold = thresholds[name]?.threshold;
    return threshold !== undefined && (probabilities[i] ?? 0) >= threshold;
  });
}

/** The class whose CAM the heatmap shows: the most probable flagged class, else the most probable class. */
export function heatmapClassIndex(
  classes: readonly string[],
  probabilities: ArrayLike<number>,
  flags: readonly string[],
): number {
  let best = -1;
  for (let i = 0; i < classes.length; i++) {
    const eligible = flags.length === 0 || flags.includes(classes[i] as string);
    if (eligible && (best < 0 || (probabilities[i] ?? 0) > (probabilities[best] ?? 0))) best = i;
  }
  return Math.max(best, 0);
}

function short(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value.slice(0, 16);
}

export function buildResult(facts: ResultFacts): ResultMessage {
  const { manifest, probabilities } = facts;
  if (probabilities.length !== manifest.classes.length || probabilities.some((p) => !Number.isFinite(p))) {
    throw new CxrError('CXR_ERR_AGENT_BAD_MODEL_OUTPUT', 'model output does not match the manifest classes', {
      kind: 'internal',
    });
  }
  const probs: Record<string, number> = {};
  manifest.classes.forEach((name, i) => {
    probs[name] = Math.min(1, Math.max(0, probabilities[i] as number));
  });
  const timingsMs: Record<string, number> = {};
  for (const [stage, ms] of Object.entries(facts.timingsMs)) timingsMs[stage] = Math.max(0, Math.round(ms * 100) / 100);
  const modality = short(facts.image.meta.modality);
  const viewPosition = short(facts.image.meta.viewPosition);
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
    scoredAt: facts.scoredAt.toISOString(),
    model: { name: manifest.name, version: manifest.version, sha256: manifest.modelSha256 },
    runtime: facts.runtime,
    classes: [...manifest.classes],
    probabilities: probs,
    flags: flagsFor(manifest.classes, probabilities, manifest.thresholds),
    timingsMs,
    image: {
      format: facts.image.format,
      ...(modality ? { modality } : {}),
      ...(viewPosition ? { viewPosition } : {}),
      rows: facts.image.rows,
      cols: facts.image.cols,
    },
  };
}
