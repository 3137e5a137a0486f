/**
 * Fits the not-a-chest gate on a trained model's classifier features (docs/trainer.md, "Not-a-chest gate").
 * In: a feature function (normalised inputs -> feature rows), the training and validation chest films ([0,1]
 * R x R pixels from the cache), the negatives folder (`cxr train negatives`), an Rng.
 * - head: logistic regression, training films (plain + one augmented copy each) against every negative (plain,
 *   two augmented copies and one turned 90° either way, upside down or inverted), fitted on the features whitened
 *   as for the distance below and stored as a map on the raw ones (gradient descent on the raw, strongly
 *   correlated features stops short where negatives differ from films in small joint moves; gate-math.ts);
 *   threshold: the 0.5 % quantile
 *   of the validation films' head probability (at most 0.5); every fourth training film turned or inverted is a
 *   negative too (kind `turned-film`: the model reads upright, positive films only);
 * - distance: whitening of the training films' features; threshold: 1.5 x the 99.5 % quantile of the validation
 *   films' mean(z^2);
 * - minInputStd: a quarter of the smallest pixel std of a training film, at most 0.03; maxFlatFraction: twice the
 *   largest flat share of a training film's grey area (models/image/image-stats.ts), kept within [0.4, 0.6];
 *   maxColourResidual: twice the largest colour-beyond-a-tint of a training film, at least 0.025; maxChroma, the
 *   strongest tint kept: twice the largest chroma of a training film, at least 0.3 (radiographs are grey; a film
 *   photographed on a light box or scanned in sepia is tinted: tinted copies of validation films measured chroma
 *   ≤ 0.22 and colour beyond the tint ≤ 0.015, colour photographs ≥ 0.034, docs/trainer.md). These are read on the
 *   films as the agent reads them: full resolution, from their files, not the 128² cache.
 * It then measures, kind by kind, how many negatives of a kind a gate fitted WITHOUT that kind refuses
 * (leave-one-kind-out), and how many validation films the final gate refuses. Nothing here sees the test split.
 * Out: the two linear maps, the thresholds and that report.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { textureStats } from '../../models/image/image-stats.ts';
import { readImageFile } from '../../models/image/read-image.ts';
import type { DecodedImage } from '../../models/image/types.ts';
import { type PixelFacts, pixelRefusal } from '../../models/package/chest-gate.ts';
import { ORIENTATIONS, uprightCopy } from '../../models/package/film-orientation.ts';
import { preprocess, resizeGeometry } from '../../models/preprocess/preprocess.ts';
import { augmentImage } from '../data/augment.ts';
import { csvRecords } from '../data/csv.ts';
import { cacheSpec } from '../data/prepare-cache.ts';
import type { Rng } from '../data/random.ts';
import {
  applyLinear,
  composeLinear,
  fitLogistic,
  fitWhitening,
  type Linear,
  meanSquare,
  quantile,
} from './gate-math.ts';

export type FeatureFn = (inputs01: Float32Array[]) => Promise<Float32Array[]>;

export interface GateFitInput {
  features: FeatureFn;
  resolution: number;
  train: Float32Array[];
  val: Float32Array[];
  /** The training and validation films' files, in the order of `train` and `val`. */
  trainFiles: string[];
  valFiles: string[];
  negativesCsv: string;
  /** The cache's black-margin cut (CacheIndex.blackMarginCut): negatives are preprocessed as the films were. */
  blackMarginCut?: number;
  rng: Rng;
}

export interface KindResult {
  kind: string;
  images: number;
  refusedHeldOut: number;
}

export interface GateFit {
  head: Linear;
  whitening: Linear;
  headThreshold: number;
  distanceThreshold: number;
  minInputStd: number;
  maxFlatFraction: number;
  maxChroma: number;
  maxColourResidual: number;
  report: {
    fitting: { chestFilms: number; negatives: Record<string, number> };
    validationRefused: { films: number; refused: number };
    leaveOneKindOut: KindResult[];
  };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** What the gate's pixel rules read of an image, as the agent reads it (full resolution, from its file). */
const factsOf = (image: DecodedImage): PixelFacts => ({
  ...textureStats(image.pixels, image.cols, image.rows),
  chroma: image.meta.chroma,
  colourResidual: image.meta.colourResidual,
});

async function filesFacts(paths: string[]): Promise<PixelFacts[]> {
  const out: PixelFacts[] = [];
  for (const path of paths) out.push(factsOf(await readImageFile(path)));
  return out;
}

/**
 * The training films, each read once from its file: what the pixel rules read of each, and — chest films the wrong
 * way round are not what the model reads, it must not score them — every fourth one turned 90° either way, upside
 * down or inverted (in turn), a negative of kind `turned-film`.
 */
async function trainingFilms(o: GateFitInput) {
  const spec = cacheSpec(o.resolution, o);
  const facts: PixelFacts[] = [];
  const turned: { input: Float32Array; facts: PixelFacts }[] = [];
  for (const [i, file] of o.trainFiles.entries()) {
    const image = await readImageFile(file);
    facts.push(factsOf(image));
    if (i % 4) continue;
    const prepared = preprocess(image, spec);
    const how = ORIENTATIONS[(i / 4) % ORIENTATIONS.length]!;
    const placed = resizeGeometry(image.cols, image.rows, spec, prepared.content);
    turned.push({ input: uprightCopy(prepared, how, placed, spec).data, facts: facts[i]! });
  }
  return { facts, turned };
}

/** Negative kinds grouped for leave-one-kind-out: every synthetic pattern is one kind. */
const group = (kind: string) => (kind.startsWith('synthetic-') ? 'synthetic' : kind);

export async function fitGate(o: GateFitInput): Promise<GateFit> {
  const R = o.resolution;
  const withAugmented = (images: Float32Array[], copies: number) =>
    images.flatMap((img) => [img, ...Array.from({ length: copies }, () => augmentImage(img, R, o.rng))]);
  const trainF = await o.features(withAugmented(o.train, 1));
  const whitening = fitWhitening(trainF);
  const whiten = (f: Float32Array) => Float32Array.from(applyLinear(whitening, f));
  const distance = (f: Float32Array) => meanSquare(whiten(f));
  const trainWhite = trainF.map(whiten);
  const valPlain = await o.features(o.val);
  const valAug = await o.features(o.val.map((img) => augmentImage(img, R, o.rng)));

  const records = csvRecords(await readFile(o.negativesCsv, 'utf8')).filter((r) => r.kind !== 'chest');
  // features as they are (the gate's refusals are judged on them) and whitened (the head is fitted on those)
  const negatives: {
    kind: string;
    plain: Float32Array;
    white: Float32Array;
    whiteAugmented: Float32Array[];
    facts: PixelFacts;
  }[] = [];
  const spec = cacheSpec(R, o);
  for (const r of records) {
    const image = await readImageFile(join(dirname(o.negativesCsv), r.file!)).catch(() => undefined);
    if (!image) continue;
    const prepared = preprocess(image, spec);
    const input = prepared.data;
    // and one copy turned or inverted: the gate's orientation check (film-orientation.ts) runs the model on such
    // copies of refused images, so the head must know that a CT slice upside down is still no chest film
    const how = ORIENTATIONS[Math.floor(o.rng() * ORIENTATIONS.length)]!;
    const placed = resizeGeometry(image.cols, image.rows, spec, prepared.content);
    const [plain, ...augmented] = await o.features([
      input,
      augmentImage(input, R, o.rng),
      augmentImage(input, R, o.rng),
      uprightCopy(prepared, how, placed, spec).data,
    ]);
    negatives.push({
      kind: group(r.kind!),
      plain: plain!,
      white: whiten(plain!),
      whiteAugmented: augmented.map(whiten),
      facts: factsOf(image),
    });
  }
  const films = await trainingFilms(o);
  const turnedFeatures = await o.features(films.turned.map((t) => t.input));
  negatives.push(
    ...turnedFeatures.map((plain, i) => ({
      kind: 'turned-film',
      plain,
      white: whiten(plain),
      whiteAugmented: [],
      facts: films.turned[i]!.facts,
    })),
  );
  const valDistances = [...valPlain, ...valAug].map(distance);
  const distanceThreshold = 1.5 * quantile(valDistances, 0.995);
  const trainFacts = films.facts;
  const valFacts = await filesFacts(o.valFiles);
  const minInputStd = Math.min(0.03, Math.min(...trainFacts.map((f) => f.std)) / 4);
  const maxFlatFraction = Math.min(0.6, Math.max(0.4, 2 * Math.max(...trainFacts.map((f) => f.flat))));
  const maxColourResidual = Math.max(0.025, 2 * Math.max(...trainFacts.map((f) => f.colourResidual ?? 0)));
  const maxChroma = Math.max(0.3, 2 * Math.max(...trainFacts.map((f) => f.chroma ?? 0)));
  const limits = { minInputStd, maxFlatFraction, maxChroma, maxColourResidual };
  const refusedByPixels = (f: PixelFacts) => pixelRefusal(limits, f) !== undefined;

  const fitHead = (kinds: (k: string) => boolean) => {
    const negs = negatives.filter((n) => kinds(n.kind)).flatMap((n) => [n.white, ...n.whiteAugmented]);
    const whiteHead = fitLogistic(trainWhite, negs);
    const head = composeLinear(whitening, whiteHead);
    const p = (f: Float32Array) => sigmoid(applyLinear(head, f)[0]!);
    const threshold = Math.min(0.5, quantile([...valPlain, ...valAug].map(p), 0.005));
    return { head, threshold, p };
  };
  const refuses = (g: ReturnType<typeof fitHead>, f: Float32Array, facts: PixelFacts) =>
    refusedByPixels(facts) || g.p(f) < g.threshold || distance(f) > distanceThreshold;

  const kinds = [...new Set(negatives.map((n) => n.kind))].sort();
  const leaveOneKindOut: KindResult[] = kinds.map((kind) => {
    const g = fitHead((k) => k !== kind);
    const held = negatives.filter((n) => n.kind === kind);
    return { kind, images: held.length, refusedHeldOut: held.filter((n) => refuses(g, n.plain, n.facts)).length };
  });
  const final = fitHead(() => true);
  const counts: Record<string, number> = {};
  for (const n of negatives) counts[n.kind] = (counts[n.kind] ?? 0) + 1;
  return {
    head: final.head,
    whitening,
    headThreshold: final.threshold,
    distanceThreshold,
    ...limits,
    report: {
      fitting: { chestFilms: o.train.length, negatives: counts },
      validationRefused: {
        films: valPlain.length,
        refused: valPlain.filter((f, i) => refuses(final, f, valFacts[i]!)).length,
      },
      leaveOneKindOut,
    },
  };
}
