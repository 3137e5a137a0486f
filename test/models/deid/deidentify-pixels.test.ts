/**
 * Burned-in text handling with the real PP-OCRv4 detector (ONNX Runtime) on a real chest film with a name
 * drawn into it: the name is masked in the display pixels and the diagnostic samples, a lone "R" marker stays,
 * and the Burned In Annotation policy keeps pixels home when asked or when nothing is found.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { deidentifyPixels } from '../../../models/deid/deidentify-pixels.ts';
import { openTextDetector, type TextDetector } from '../../../models/deid/text-detector.ts';
import { readImage } from '../../../models/image/read-image.ts';
import { drawName, seededRandom } from '../../support/burned-in-name.ts';

const FILM = new URL('../../../models/samples/nih-fullres/00000061_012.png', import.meta.url);

async function namedFilm(marker: boolean) {
  const clean = await readImage(readFileSync(FILM));
  const grey = Uint8Array.from(clean.pixels, (v) => Math.round(v * 255));
  const drawn = await drawName(grey, clean.cols, clean.rows, seededRandom(5), 'top-left');
  let pixels = drawn.pixels;
  if (marker) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${clean.cols}" height="${clean.rows}"><text x="900" y="990" font-family="DejaVu Sans" font-size="40" fill="white">R</text></svg>`;
    const { data } = await sharp(Buffer.from(pixels), { raw: { width: clean.cols, height: clean.rows, channels: 1 } })
      .composite([{ input: Buffer.from(svg) }])
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    pixels = new Uint8Array(data);
  }
  const png = await sharp(Buffer.from(pixels), { raw: { width: clean.cols, height: clean.rows, channels: 1 } })
    .png()
    .toBuffer();
  return { image: await readImage(png, { diagnostic: true }), drawn, grey };
}

describe('deidentifyPixels (real detector)', () => {
  let detector: TextDetector;
  before(async () => {
    detector = await openTextDetector({ side: 640, keepLaterality: true });
  });
  after(() => detector.close());

  it('masks a drawn name in both buffers and keeps a lone R marker', async () => {
    const { image, drawn, grey } = await namedFilm(true);
    const report = await deidentifyPixels(image, detector, 'mask');
    assert.equal(report.pixels, 'sent');
    assert.ok(report.masked.length >= 1);
    assert.equal(report.keptMarkers.length, 1, JSON.stringify(report));
    const marker = report.keptMarkers[0]!;
    assert.ok(marker.x > 850 && marker.y > 900, 'the marker is the R in the corner');
    for (let i = 0; i < drawn.ink.length; i++) {
      if (!drawn.ink[i] || (drawn.pixels[i] ?? 0) - (grey[i] ?? 0) < 32) continue;
      assert.equal(image.pixels[i], 0, `display pixel ${i}`);
      assert.equal(image.diagnostic?.samples[i], 0, `diagnostic sample ${i}`);
    }
  });

  it('keeps the pixels home for Burned In Annotation YES under keep-home, or when the detector finds nothing', async () => {
    const { image } = await namedFilm(false);
    const before = image.pixels.slice();
    image.meta.burnedInAnnotation = 'YES';
    const home = await deidentifyPixels(image, detector, 'keep-home');
    assert.deepEqual([home.pixels, home.reason], ['withheld', 'burned-in-annotation']);
    assert.deepEqual(image.pixels, before, 'nothing masked: nothing leaves');
    const blank = await readImage(
      await sharp({ create: { width: 256, height: 256, channels: 3, background: '#000' } })
        .png()
        .toBuffer(),
    );
    blank.meta.burnedInAnnotation = 'YES';
    const undetected = await deidentifyPixels(blank, detector, 'mask');
    assert.deepEqual([undetected.pixels, undetected.reason], ['withheld', 'burned-in-undetected']);
  });

  it('keeps the pixels home when the detector fails', async () => {
    const closed = await openTextDetector({ side: 320, keepLaterality: false });
    await closed.close();
    const { image } = await namedFilm(false);
    let logged = 0;
    const report = await deidentifyPixels(image, closed, 'mask', () => logged++);
    assert.deepEqual([report.pixels, report.reason, logged], ['withheld', 'detector-failed', 1]);
  });
});
