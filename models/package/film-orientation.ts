/**
 * Is a refused image a chest film the wrong way round? (the not-a-chest gate's last step; pure but for the model
 * call it is given). A film scanned on its side, upside down, or with black and white swapped (a MONOCHROME1 image
 * saved without its inversion, a negative) is refused by the gate — the model reads upright films as they are
 * shown, and must not score it — but "not a chest X-ray" would tell the clinic the wrong thing. When the gate has
 * refused an image after inference, the model input turned 90° either way, upside down and inverted is run once
 * more (4 copies); if a copy passes the gate confidently (ORIENTATION_MIN_CHEST), the refusal says how the film
 * came: CXR_ERR_FILM_ORIENTATION. It is never scored in that orientation: the clinic sends the film again as it
 * should be. A film the wrong way round that the gate lets through, less surely than a copy put right, is refused
 * the same way (passedWrongWay).
 * In: the refused image's model input, where the film lies in it (preprocess.ts resizeGeometry), the input spec, the
 * gate and a function that runs the model. Out: the orientation whose copy passes (the highest gate-head
 * probability among those that pass), or undefined.
 * The copies are made on the model input, not the film: a letterboxed square turned is the turned film
 * letterboxed (to a pixel of centring); inverted, only the film's part is inverted, the padding stays.
 */
import type { InputSpec, ModelInput } from '../preprocess/input-spec.ts';
import { type ResizeGeometry, resizeGeometry } from '../preprocess/preprocess.ts';
import type { InferenceSession, ModelOutput } from '../runtime/types.ts';
import { type GateVerdict, outputGate } from './chest-gate.ts';
import type { Manifest } from './manifest.ts';

/** How the film came, judged by the copy that passes: a film turned 90° clockwise passes once turned back. */
export type FilmOrientation = 'turned 90° clockwise' | 'turned 90° anticlockwise' | 'upside down' | 'inverted';

export const ORIENTATIONS: readonly FilmOrientation[] = [
  'turned 90° clockwise',
  'turned 90° anticlockwise',
  'upside down',
  'inverted',
];

type Placed = Pick<ResizeGeometry, 'offsetX' | 'offsetY' | 'width' | 'height'>;

/** The copy of `input` that puts a film that came `how` upright (and positive). */
export function uprightCopy(
  input: ModelInput,
  how: FilmOrientation,
  placed: Placed,
  spec: Pick<InputSpec, 'mean' | 'std'>,
): ModelInput {
  const { size, channels, data } = input;
  const plane = size * size;
  const out = new Float32Array(data.length);
  // source pixel for each target (x, y): a film turned clockwise is turned back anticlockwise, and so on
  const from: (x: number, y: number) => number =
    how === 'turned 90° clockwise'
      ? (x, y) => x * size + (size - 1 - y)
      : how === 'turned 90° anticlockwise'
        ? (x, y) => (size - 1 - x) * size + y
        : how === 'upside down'
          ? (x, y) => (size - 1 - y) * size + (size - 1 - x)
          : (x, y) => y * size + x;
  // inverted: p = x·std + mean in [0,1] becomes 1 − p, i.e. x' = (1 − 2·mean)/std − x, inside the film only
  const flip = (1 - 2 * spec.mean) / spec.std;
  const inFilm = (x: number, y: number) =>
    x >= placed.offsetX &&
    x < placed.offsetX + placed.width &&
    y >= placed.offsetY &&
    y < placed.offsetY + placed.height;
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const v = data[c * plane + from(x, y)] as number;
        out[c * plane + y * size + x] = how === 'inverted' && inFilm(x, y) ? flip - v : v;
      }
    }
  }
  const { content } = input;
  return { data: out, channels, size, ...(content ? { content } : {}) };
}

/**
 * A copy must pass the gate AND reach this head probability: chosen on turned and inverted copies of validation
 * films (3.1.1: every one of 66 refused reached 0.92 once put right; CT and MR slices turned or inverted reached
 * 0.46–0.92), so that "a chest film the wrong way round" is said only when the model is sure.
 */
export const ORIENTATION_MIN_CHEST = 0.9;

export async function filmOrientation(
  manifest: Pick<Manifest, 'gate' | 'input'>,
  input: ModelInput,
  placed: Placed,
  run: (copy: ModelInput) => Promise<Pick<ModelOutput, 'extra'>>,
  minChest = ORIENTATION_MIN_CHEST,
): Promise<FilmOrientation | undefined> {
  if (!manifest.gate) return undefined;
  let best: { how: FilmOrientation; chest: number } | undefined;
  for (const how of ORIENTATIONS) {
    const verdict = outputGate(manifest, await run(uprightCopy(input, how, placed, manifest.input)));
    const chest = verdict.scores.chest ?? 0;
    if (verdict.ok && chest >= minChest && (!best || chest > best.chest)) best = { how, chest };
  }
  return best?.how;
}

/**
 * A film the wrong way round can pass the gate: the head sees a chest, less surely than in the film put right (3.2.0,
 * validation films: upside down 122 of 312 passed, turned 90° 20 and 18, saved as negatives 22). So an image that
 * passes with a head below WRONG_WAY_PROBE_BELOW is run as the 4 copies of filmOrientation; if one passes with a head
 * of ORIENTATION_MIN_CHEST or more and WRONG_WAY_MIN_GAIN above the image's own, the image is that film the wrong
 * way round. Chosen on validation films: of the 312 as they are, 11 are probed and none is named (the closest, a
 * film at head 0.258 whose upside-down copy reaches 0.763); of the wrong-way copies that passed, 20/20, 17/18,
 * 107/122 and 22/22 are named (the rest pass with a head of 0.95 or more, or gain less); test films, measured once,
 * in docs/trainer.md. With 3.2.1's refitted gate (the same limits, checked on validation): 6 of 312 probed, none
 * named; the gate itself passes 0, 0, 26 and 2 wrong-way copies, of which 17 and 1 are named.
 */
export const WRONG_WAY_PROBE_BELOW = 0.95;
export const WRONG_WAY_MIN_GAIN = 0.05;

/** How a film the gate passed with head `chest` came, when it is one the wrong way round (4 inferences, if probed). */
export async function passedWrongWay(
  manifest: Pick<Manifest, 'gate' | 'input'>,
  chest: number,
  input: ModelInput,
  placed: Placed,
  run: (copy: ModelInput) => Promise<Pick<ModelOutput, 'extra'>>,
): Promise<FilmOrientation | undefined> {
  if (!(chest < WRONG_WAY_PROBE_BELOW)) return undefined;
  return filmOrientation(manifest, input, placed, run, Math.max(ORIENTATION_MIN_CHEST, chest + WRONG_WAY_MIN_GAIN));
}

/** The refusal's words for the clinic. */
export function orientationReason(how: FilmOrientation): string {
  return how === 'inverted'
    ? 'a chest film with black and white swapped (a negative, or a MONOCHROME1 image saved without its inversion): send it as the film is read'
    : `a chest film ${how}: send it upright`;
}

/**
 * The gate after inference as every caller applies it (agent, `cxr infer`, `cxr read`, `cxr eval`): outputGate;
 * for a refusal, CXR_ERR_FILM_ORIENTATION when a turned or inverted copy of the input passes (filmOrientation); for a
 * pass with a less than sure head, CXR_ERR_FILM_ORIENTATION when it is a film the wrong way round (passedWrongWay). The scores stay
 * those of the image as it came. `image`: the film's size; `input`/`output`: its model input and the model's output
 * on it; `run`: the model, for the copies.
 */
export async function outputGateOriented(
  manifest: Pick<Manifest, 'gate' | 'input'>,
  image: { cols: number; rows: number },
  input: ModelInput,
  output: Pick<ModelOutput, 'extra'>,
  run: (copy: ModelInput) => Promise<Pick<ModelOutput, 'extra'>>,
): Promise<GateVerdict> {
  const verdict = outputGate(manifest, output);
  const placed = resizeGeometry(image.cols, image.rows, manifest.input, input.content);
  const how = verdict.ok
    ? await passedWrongWay(manifest, verdict.scores.chest ?? 1, input, placed, run)
    : await filmOrientation(manifest, input, placed, run);
  if (!how) return verdict;
  return { ok: false, code: 'CXR_ERR_FILM_ORIENTATION', reason: orientationReason(how), scores: verdict.scores };
}

/** `run` for outputGateOriented on a runtime session (`cxr infer`, `cxr read`, `cxr eval`): one copy per call. */
export function runOn(session: Pick<InferenceSession, 'infer'>): (copy: ModelInput) => Promise<ModelOutput> {
  return async (copy) => {
    const [output] = await session.infer([copy]);
    if (!output) throw new Error('the runtime returned no output');
    return output;
  };
}
