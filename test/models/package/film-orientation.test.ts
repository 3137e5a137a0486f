import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  filmOrientation,
  ORIENTATION_MIN_CHEST,
  ORIENTATIONS,
  outputGateOriented,
  uprightCopy,
  WRONG_WAY_MIN_GAIN,
  WRONG_WAY_PROBE_BELOW,
} from '../../../models/package/film-orientation.ts';
import type { Manifest } from '../../../models/package/manifest.ts';
import type { ModelInput } from '../../../models/preprocess/input-spec.ts';

const SIZE = 4;
/** An upright "film": every pixel different, so any turn is told apart. */
const upright = Float32Array.from({ length: SIZE * SIZE }, (_, i) => i / 16);
const input = (data: Float32Array): ModelInput => ({ data, channels: 1, size: SIZE });
const whole = { offsetX: 0, offsetY: 0, width: SIZE, height: SIZE };
const spec = { mean: 0, std: 1 };
const at = (d: Float32Array, x: number, y: number) => d[y * SIZE + x] as number;

/** The film as it would come turned 90° clockwise: the top row becomes the right column. */
function turnedClockwise(d: Float32Array): Float32Array {
  const out = new Float32Array(d.length);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) out[x * SIZE + (SIZE - 1 - y)] = at(d, x, y);
  return out;
}

test('each copy puts back a film that came that way round', () => {
  const cw = turnedClockwise(upright);
  const half = turnedClockwise(cw);
  const ccw = turnedClockwise(half);
  assert.deepEqual(uprightCopy(input(cw), 'turned 90° clockwise', whole, spec).data, upright);
  assert.deepEqual(uprightCopy(input(ccw), 'turned 90° anticlockwise', whole, spec).data, upright);
  assert.deepEqual(uprightCopy(input(half), 'upside down', whole, spec).data, upright);
});

test('inverted: only the film is inverted, in the model input scale; the padding stays', () => {
  const s = { mean: 0.5, std: 0.25 };
  // a letterboxed input: the film fills rows 1-2, rows 0 and 3 are padding (pixel 0 → (0 − 0.5)/0.25 = −2)
  const data = new Float32Array(SIZE * SIZE).fill(-2);
  data.fill(1, SIZE, 3 * SIZE); // film pixel p = 0.75 → (0.75 − 0.5)/0.25 = 1
  const copy = uprightCopy(input(data), 'inverted', { offsetX: 0, offsetY: 1, width: SIZE, height: 2 }, s).data;
  assert.deepEqual(Array.from(copy.subarray(0, SIZE)), [-2, -2, -2, -2], 'padding unchanged');
  // 1 − 0.75 = 0.25 → (0.25 − 0.5)/0.25 = −1
  assert.deepEqual(Array.from(copy.subarray(SIZE, 2 * SIZE)), [-1, -1, -1, -1]);
  assert.deepEqual(Array.from(copy.subarray(3 * SIZE)), [-2, -2, -2, -2]);
});

/** A gate whose head says "chest" with `p` only for the upright film, and 0.05 otherwise. */
const manifest = {
  input: { size: SIZE, channels: 1, mean: 0, std: 1, resize: 'letterbox', padValue: 0, layout: 'NCHW' },
  gate: {
    minInputStd: 0,
    head: { output: 'gate_chest', threshold: 0.43 },
    distance: { output: 'gate_embedding', threshold: 0.4 },
  },
} as unknown as Pick<Manifest, 'gate' | 'input'>;
const model = (p: number) => async (copy: ModelInput) => {
  const same = copy.data.every((v, i) => Math.abs(v - (upright[i] as number)) < 1e-6);
  return { extra: { gate_chest: Float32Array.of(same ? p : 0.05), gate_embedding: Float32Array.of(0.1, 0.1) } };
};

test('the orientation whose copy passes the gate confidently is the answer; none when no copy does', async () => {
  const cw = turnedClockwise(upright);
  assert.equal(await filmOrientation(manifest, input(cw), whole, model(0.99)), 'turned 90° clockwise');
  const half = turnedClockwise(cw);
  assert.equal(await filmOrientation(manifest, input(half), whole, model(0.99)), 'upside down');
  const negative = Float32Array.from(upright, (v) => 1 - v);
  assert.equal(await filmOrientation(manifest, input(negative), whole, model(0.99)), 'inverted');
  // passes the gate (0.6 ≥ 0.43) but not confidently: a CT slice upside down is not called a chest film
  assert.ok(0.6 < ORIENTATION_MIN_CHEST);
  assert.equal(await filmOrientation(manifest, input(cw), whole, model(0.6)), undefined);
  assert.equal(await filmOrientation({ ...manifest, gate: undefined }, input(cw), whole, model(0.99)), undefined);
  assert.equal(ORIENTATIONS.length, 4);
});

test('the gate after inference: a pass stays a pass; a refusal says how the film came, or stays as it was', async () => {
  const image = { cols: SIZE, rows: SIZE };
  const output = (chest: number) => ({
    extra: { gate_chest: Float32Array.of(chest), gate_embedding: Float32Array.of(0.1, 0.1) },
  });
  const film = input(upright);
  assert.deepEqual(await outputGateOriented(manifest, image, film, output(0.99), model(0.99)), {
    ok: true,
    scores: { chest: Math.fround(0.99), distance: Math.fround(0.1) ** 2 },
  });
  const turned = await outputGateOriented(manifest, image, input(turnedClockwise(upright)), output(0.05), model(0.99));
  assert.ok(!turned.ok);
  assert.equal(turned.code, 'CXR_ERR_FILM_ORIENTATION');
  assert.match(turned.reason, /a chest film turned 90° clockwise: send it upright/);
  assert.equal(turned.scores.chest, Math.fround(0.05), 'the scores are those of the film as it came');
  const photo = input(Float32Array.from({ length: SIZE * SIZE }, (_, i) => ((i * 7) % 5) / 5));
  const refused = await outputGateOriented(manifest, image, photo, output(0.05), model(0.99));
  assert.ok(!refused.ok);
  assert.equal(refused.code, 'CXR_ERR_NOT_CHEST_XRAY');
  assert.match(refused.reason, /does not look like a chest radiograph/);
});

test('a film the wrong way round that the gate passes less surely than the film put right is refused, named', async () => {
  const image = { cols: SIZE, rows: SIZE };
  const negative = input(Float32Array.from(upright, (v) => 1 - v));
  const half = input(turnedClockwise(turnedClockwise(upright)));
  const film = input(upright);
  /** The model: `heads.upright` for the upright film, `heads.other` for anything else; counts its calls. */
  const counted = (heads: { upright: number; other: number }) => {
    const calls = { n: 0 };
    const run = async (copy: ModelInput) => {
      calls.n++;
      const same = copy.data.every((v, i) => Math.abs(v - (upright[i] as number)) < 1e-6);
      return {
        extra: {
          gate_chest: Float32Array.of(same ? heads.upright : heads.other),
          gate_embedding: Float32Array.of(0.1, 0.1),
        },
      };
    };
    return { run, calls };
  };
  const output = (chest: number) => ({
    extra: { gate_chest: Float32Array.of(chest), gate_embedding: Float32Array.of(0.1, 0.1) },
  });
  // a negative passing with 0.6 whose inverted copy (the film) reaches 0.99: named, scores as it came
  const a = counted({ upright: 0.99, other: 0.6 });
  const named = await outputGateOriented(manifest, image, negative, output(0.6), a.run);
  assert.ok(!named.ok);
  assert.equal(named.code, 'CXR_ERR_FILM_ORIENTATION');
  assert.match(named.reason, /black and white swapped/);
  assert.equal(named.scores.chest, Math.fround(0.6));
  assert.equal(a.calls.n, 4, 'the 4 copies');
  // an upside-down film passing with 0.7
  const upsideDown = await outputGateOriented(
    manifest,
    image,
    half,
    output(0.7),
    counted({ upright: 0.98, other: 0.7 }).run,
  );
  assert.ok(!upsideDown.ok);
  assert.match(upsideDown.reason, /a chest film upside down: send it upright/);
  // a film the head is sure of is not probed at all
  const b = counted({ upright: 0.99, other: 0.6 });
  assert.ok(0.99 >= WRONG_WAY_PROBE_BELOW);
  assert.ok((await outputGateOriented(manifest, image, film, output(0.99), b.run)).ok);
  assert.equal(b.calls.n, 0);
  // an upright film passed less surely is probed, and stays a pass: no copy of it is a chest film to the model
  const c = counted({ upright: 0.8, other: 0.05 });
  assert.ok((await outputGateOriented(manifest, image, film, output(0.8), c.run)).ok);
  assert.equal(c.calls.n, 4);
  // the copy must beat the image by WRONG_WAY_MIN_GAIN and reach ORIENTATION_MIN_CHEST
  const close = 0.93;
  const d = counted({ upright: close + WRONG_WAY_MIN_GAIN / 2, other: close });
  assert.ok((await outputGateOriented(manifest, image, negative, output(close), d.run)).ok);
  const e = counted({ upright: ORIENTATION_MIN_CHEST - 0.01, other: 0.5 });
  assert.ok((await outputGateOriented(manifest, image, negative, output(0.5), e.run)).ok);
});
