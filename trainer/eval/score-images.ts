/**
 * The I/O half of `cxr eval`: every listed image through the production path (readImageFile -> not-a-chest
 * gate -> preprocess -> infer -> calibrate) on an open session, plus, when asked, its shortcut statistics and the
 * raw probabilities of its re-processed copies. In: items (path, label, site), a verified package, a session.
 * Out: one record per image; an unreadable image is a record with `failed`. Nothing here computes metrics.
 */
import { asCxrError } from '../../models/errors.ts';
import { textureStats } from '../../models/image/image-stats.ts';
import { readImageFile } from '../../models/image/read-image.ts';
import type { DecodedImage } from '../../models/image/types.ts';
import { calibrateProbabilities } from '../../models/package/calibration.ts';
import { inputGate } from '../../models/package/chest-gate.ts';
import { outputGateOriented, runOn } from '../../models/package/film-orientation.ts';
import type { Manifest } from '../../models/package/manifest.ts';
import type { ModelInput } from '../../models/preprocess/input-spec.ts';
import { preprocess } from '../../models/preprocess/preprocess.ts';
import type { InferenceSession, ModelOutput } from '../../models/runtime/types.ts';
import { imageStatistics, REPROCESSING, type Reprocessing, reprocess, type Statistic } from './shortcut-checks.ts';

export interface ScoredImage {
  label: number;
  site: string;
  /** Raw model probabilities (ranking) and calibrated ones (thresholds). */
  raw?: Float32Array;
  calibrated?: Float32Array;
  /** Set when the gate refused the image (its code). */
  refused?: string;
  failed?: string;
  stats?: Record<Statistic, number>;
  reprocessed?: Partial<Record<Reprocessing, Float32Array>>;
}

export async function scoreImages(
  items: { path: string; label: number; site: string }[],
  manifest: Manifest,
  session: InferenceSession,
  options: { shortcuts: boolean },
): Promise<ScoredImage[]> {
  const out: ScoredImage[] = [];
  for (const item of items) {
    const record: ScoredImage = { label: item.label, site: item.site };
    out.push(record);
    try {
      const image = await readImageFile(item.path);
      const input = preprocess(image, manifest.input);
      const [output] = await session.infer([input]);
      const refused = await refusalOf(image, manifest, session, { input, output: output! });
      if (refused) record.refused = refused;
      record.raw = output!.probabilities;
      record.calibrated = calibrateProbabilities(manifest, output!.probabilities);
      if (options.shortcuts) {
        record.stats = imageStatistics(image);
        record.reprocessed = {};
        for (const how of REPROCESSING) {
          const [copy] = await session.infer([preprocess(reprocess(image, how), manifest.input)]);
          record.reprocessed[how] = copy!.probabilities;
        }
      }
    } catch (thrown) {
      record.failed = asCxrError(thrown).code;
    }
  }
  return out;
}

/** Not-a-chest images (`file,kind` CSV rows): which kinds the gate refuses, and the files it let through. */
export async function gateOnNegatives(
  items: { path: string; kind: string }[],
  manifest: Manifest,
  session: InferenceSession,
): Promise<{ byKind: Record<string, KindRefusals>; passed: string[] }> {
  const byKind: Record<string, KindRefusals> = {};
  const passed: string[] = [];
  for (const item of items) {
    const entry = byKind[item.kind] ?? { images: 0, refused: 0, codes: {} };
    byKind[item.kind] = entry;
    entry.images++;
    let code: string | undefined = 'CXR_ERR_DECODE_FAILED';
    try {
      code = await refusalOf(await readImageFile(item.path), manifest, session);
    } catch (thrown) {
      code = asCxrError(thrown).code; // an image the reader refuses is refused too
    }
    if (code) {
      entry.refused++;
      entry.codes[code] = (entry.codes[code] ?? 0) + 1;
    } else passed.push(item.path);
  }
  return { byKind, passed };
}

export interface KindRefusals {
  images: number;
  refused: number;
  /** Refusals by CXR_ERR_* code (a chest film the wrong way round: CXR_ERR_FILM_ORIENTATION). */
  codes: Record<string, number>;
}

/**
 * The code the production path refuses a decoded image with, or undefined when it would be scored. `scored`: its
 * model input and output when the caller has them already (else the model runs here, only if the pixels pass).
 */
async function refusalOf(
  image: DecodedImage,
  manifest: Manifest,
  session: InferenceSession,
  scored?: { input: ModelInput; output: ModelOutput },
): Promise<string | undefined> {
  if (!image.isChest) return 'CXR_ERR_AGENT_NOT_CHEST';
  const before = inputGate(manifest, image, textureStats(image.pixels, image.cols, image.rows));
  if (!before.ok) return before.code;
  const run = runOn(session);
  const input = scored?.input ?? preprocess(image, manifest.input);
  const output = scored?.output ?? (await run(input));
  const after = await outputGateOriented(manifest, image, input, output, run);
  return after.ok ? undefined : after.code;
}
