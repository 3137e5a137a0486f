import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import sharp from 'sharp';
import { flatFraction, textureStats } from '../../../models/image/image-stats.ts';
import { readImage } from '../../../models/image/read-image.ts';
import { sample } from './samples.ts';

const W = 300;
const H = 200;
const image = (value: (x: number, y: number) => number) =>
  Float32Array.from({ length: W * H }, (_, i) => value(i % W, Math.floor(i / W)));

test('flatFraction: patterns, gradients and solid fills are flat; noise and real films are not', () => {
  const seeded = (() => {
    let s = 7;
    return () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 31;
    };
  })();
  assert.equal(
    flatFraction(
      image(() => 0.4),
      W,
      H,
    ),
    1,
    'a solid grey',
  );
  assert.ok(
    flatFraction(
      image((x) => (Math.floor(x / 20) % 2 ? 0.3 : 0.6)),
      W,
      H,
    ) > 0.8,
    'stripes',
  );
  assert.ok(
    flatFraction(
      image((x) => 0.2 + (0.5 * x) / W),
      W,
      H,
    ) > 0.8,
    'a linear ramp',
  );
  assert.ok(
    flatFraction(
      image(() => 0.2 + 0.6 * seeded()),
      W,
      H,
    ) < 0.05,
    'noise',
  );
  // black and white ends (shutters, padding) do not count: a noisy film inside a black frame is not flat
  const framed = image((x, y) => (x < 100 || y < 60 ? 0 : 0.3 + 0.4 * seeded()));
  assert.ok(flatFraction(framed, W, H) < 0.05);
  // nearly all black and white: a binary image, counted flat
  assert.equal(
    flatFraction(
      image((x) => (x % 2 ? 1 : 0)),
      W,
      H,
    ),
    1,
  );
});

test('textureStats on real films: a chest radiograph is textured (flat well under the gate limits)', async () => {
  for (const rel of [
    'nih/images/00000017_000.png',
    'dicom/nccid/nih_DX_NoFinding_implicitLE.dcm',
    'nih-fullres/00000061_012.png',
  ]) {
    const film = await readImage(readFileSync(sample(rel)));
    const stats = textureStats(film.pixels, film.cols, film.rows);
    assert.ok(stats.flat < 0.25, `${rel}: flat ${stats.flat}`);
    assert.ok(stats.std > 0.1, `${rel}: std ${stats.std}`);
  }
});

test('a colour PNG or JPEG carries its chroma; grey stored as RGB has none', async () => {
  const rgb = (pixel: (i: number) => [number, number, number]) =>
    Buffer.from(Array.from({ length: 64 * 64 }, (_, i) => pixel(i)).flat());
  const png = (data: Buffer) =>
    sharp(data, { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer();
  const red = await readImage(await png(rgb(() => [200, 40, 40])));
  assert.ok(Math.abs((red.meta.chroma ?? 0) - 160 / 255) < 1e-6);
  const greyAsRgb = await readImage(await png(rgb((i) => [i % 256, i % 256, i % 256])));
  assert.equal(greyAsRgb.meta.chroma, 0);
  const grey = await readImage(readFileSync(sample('nih/images/00000017_000.png')));
  assert.equal(grey.meta.chroma, undefined, 'a one-channel file');
  assert.equal(grey.meta.colourResidual, undefined);
});

test('colour beyond a tint: a tinted film keeps almost none of it, a photograph-like image a lot', async () => {
  const film = await sharp(readFileSync(sample('nih/images/00000017_000.png')))
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const n = film.info.width * film.info.height;
  const tinted = (tint: [number, number, number]) => {
    const out = Buffer.alloc(n * 3);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(film.data[i]! * tint[c]!);
    return sharp(out, { raw: { width: film.info.width, height: film.info.height, channels: 3 } })
      .jpeg({ quality: 80 })
      .toBuffer();
  };
  const sepia = await readImage(await tinted([1, 0.85, 0.65]));
  assert.ok(sepia.meta.chroma! > 0.1, `a strong tint: chroma ${sepia.meta.chroma}`);
  assert.ok(sepia.meta.colourResidual! < 0.02, `little colour beyond it: ${sepia.meta.colourResidual}`);
  // the same film's grey levels, each pixel's hue chosen by its position: colours differ at one brightness
  const hues = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++) {
    const v = film.data[i]!;
    const shift = (i % film.info.width) % 3;
    hues[i * 3 + shift] = v;
    hues[i * 3 + ((shift + 1) % 3)] = Math.round(v * 0.4);
    hues[i * 3 + ((shift + 2) % 3)] = Math.round(v * 0.4);
  }
  const painted = await readImage(
    await sharp(hues, { raw: { width: film.info.width, height: film.info.height, channels: 3 } })
      .png()
      .toBuffer(),
  );
  assert.ok(painted.meta.colourResidual! > 0.1, `colour beyond a tint: ${painted.meta.colourResidual}`);
});
