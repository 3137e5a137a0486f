import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import sharp from 'sharp';
import { readImage } from '../../../models/image/read-image.ts';
import { contentBox } from '../../../models/preprocess/content-box.ts';
import { preprocess, resizeGeometry } from '../../../models/preprocess/preprocess.ts';
import { SAMPLES } from '../../agent/fixture.ts';

const FILM = `${SAMPLES}nih/images/00000017_000.png`;
const spec = {
  size: 64,
  channels: 1 as const,
  mean: 0.5,
  std: 0.25,
  resize: 'letterbox' as const,
  padValue: 0,
  layout: 'NCHW' as const,
};

async function framed(margin: { top?: number; bottom?: number; left?: number; right?: number }, background: string) {
  const { width, height } = await sharp(FILM).metadata();
  const px = (f = 0, of = width!) => Math.round(f * of);
  const png = await sharp(FILM)
    .extend({
      top: px(margin.top, height),
      bottom: px(margin.bottom, height),
      left: px(margin.left),
      right: px(margin.right),
      background,
    })
    .png()
    .toBuffer();
  return readImage(png);
}

test('a film as it is, or with black margins narrower than the package says, is left whole', async () => {
  const film = await readImage(readFileSync(FILM));
  assert.equal(contentBox(film.pixels, film.cols, film.rows), undefined);
  assert.equal(contentBox(film.pixels, film.cols, film.rows, 0.05), undefined);
  const narrow = await framed({ top: 0.1, bottom: 0.1, left: 0.1, right: 0.1 }, '#000');
  assert.equal(
    contentBox(narrow.pixels, narrow.cols, narrow.rows),
    undefined,
    'black margins of 10 %: 3.1.x kept them',
  );
  const thin = await framed({ top: 0.03, bottom: 0.03, left: 0.03, right: 0.03 }, '#000');
  assert.equal(contentBox(thin.pixels, thin.cols, thin.rows, 0.05), undefined, 'black margins of 3 %: under 5 %');
  assert.equal(contentBox(new Float32Array(16).fill(1), 4, 4), undefined, 'too small to say');
});

test("black margins at least the package's cut are cut: 10 % ones at 0.05, not at the legacy 0.15", async () => {
  const narrow = await framed({ top: 0.1, bottom: 0.1, left: 0.1, right: 0.1 }, '#000');
  const box = contentBox(narrow.pixels, narrow.cols, narrow.rows, 0.05);
  const side = 0.1 / 1.2;
  assert.ok(box && Math.abs(box.x0 - side) < 0.01 && Math.abs(box.y1 - (1 - side)) < 0.01, JSON.stringify(box));
  const film = await readImage(readFileSync(FILM));
  const plain = preprocess(film, { ...spec, blackMarginCut: 0.05 });
  const cut = preprocess(narrow, { ...spec, blackMarginCut: 0.05 });
  assert.ok(cut.content, "preprocess applies the spec's cut");
  assert.equal(preprocess(narrow, spec).content, undefined, 'a spec without a cut keeps the legacy 0.15');
  let diff = 0;
  for (let i = 0; i < plain.data.length; i++) diff += Math.abs(plain.data[i]! - cut.data[i]!);
  assert.ok(diff / plain.data.length < 0.05, `mean |difference| ${diff / plain.data.length} (resampling only)`);
});

test('white margins, and (legacy cut) black ones of 15 % or more, are cut off: the box is the film', async () => {
  const white = await framed({ top: 0.1, bottom: 0.1, left: 0.1, right: 0.1 }, '#fff');
  const box = contentBox(white.pixels, white.cols, white.rows)!;
  assert.ok(box, 'white margins found');
  const side = 256 / (256 * 1.2);
  for (const [edge, want] of [
    [box.x0, 0.1 * side],
    [box.y0, 0.1 * side],
    [box.x1, 1 - 0.1 * side],
    [box.y1, 1 - 0.1 * side],
  ] as const) {
    assert.ok(Math.abs(edge - want) < 0.01, `edge ${edge} near ${want}`);
  }
  const bars = await framed({ left: 0.3, right: 0.3 }, '#000');
  const barBox = contentBox(bars.pixels, bars.cols, bars.rows)!;
  assert.ok(
    barBox && barBox.x0 > 0.15 && barBox.x1 < 0.85 && barBox.y0 === 0 && barBox.y1 === 1,
    JSON.stringify(barBox),
  );
});

test('preprocess feeds the film inside white margins as if it came without them, and says where it was', async () => {
  const film = await readImage(readFileSync(FILM));
  const white = await framed({ top: 0.1, bottom: 0.1, left: 0.1, right: 0.1 }, '#fff');
  const plain = preprocess(film, spec);
  const cut = preprocess(white, spec);
  assert.equal(plain.content, undefined);
  assert.ok(cut.content);
  let diff = 0;
  for (let i = 0; i < plain.data.length; i++) diff += Math.abs(plain.data[i]! - cut.data[i]!);
  assert.ok(diff / plain.data.length < 0.05, `mean |difference| ${diff / plain.data.length} (resampling only)`);
  // the geometry the activation map uses places the model's square on the cut box
  const g = resizeGeometry(white.cols, white.rows, spec, cut.content);
  assert.ok(Math.abs(g.cropX - 26) <= 1 && Math.abs(g.cropW - 256) <= 2, JSON.stringify(g));
  assert.deepEqual([g.offsetX, g.width], [0, 64]);
});
