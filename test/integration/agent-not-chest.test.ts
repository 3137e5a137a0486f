/**
 * The not-a-chest gate end to end in the agent, with the bundled model (its signed manifest's limits, real OpenVINO,
 * real SQLite, real files; no broker: results wait in the outbox). A colour photograph-like PNG, a grey drawing
 * (flat shapes), a grey gradient and a real radiograph of another body part saved as PNG (the repository's dental
 * panoramic CR, so no DICOM tag can refuse it: the model's gate must) are quarantined with CXR_ERR_NOT_CHEST_XRAY and
 * never scored; a real chest film dropped beside them, its JPEG copy, a sepia-tinted colour JPEG of it and the film on
 * white paper (10 % margins) are scored; the film turned 90° and the film saved as a negative are refused with
 * CXR_ERR_FILM_ORIENTATION, saying how they came, as are a negative and an upside-down film that the gate itself
 * passes (the wrong-way check).
 */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { readImageFile } from '../../models/image/read-image.ts';
import { SAMPLES } from '../agent/fixture.ts';
import { type OfflineAgent, quarantined, startOfflineAgent, untilHandled } from '../agent/offline-agent.ts';

const FILM = join(SAMPLES, 'nih/images/00000017_000.png');
const ON_PAPER = join(SAMPLES, 'nih/images/00001281_000.png');
const OTHER_NEGATIVE = join(SAMPLES, 'nih/images/00000013_009.png');
const PASSING_UPSIDE_DOWN = join(SAMPLES, 'nih/images/00001304_001.png');
const DENTAL = join(SAMPLES, 'dicom/non_chest/fo-dicom_CR-ModalitySequenceLUT_dental-panoramic.dcm');
const SIDE = 256;

function raster(channels: 1 | 3, pixel: (x: number, y: number) => number[]): Buffer {
  const out = Buffer.alloc(SIDE * SIDE * channels);
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) out.set(pixel(x, y), (y * SIDE + x) * channels);
  return out;
}
const png = (data: Buffer, channels: 1 | 3) =>
  sharp(data, { raw: { width: SIDE, height: SIDE, channels } })
    .png()
    .toBuffer();

describe('the not-a-chest gate in the agent (bundled model)', () => {
  let offline: OfflineAgent;
  before(async () => {
    offline = await startOfflineAgent();
  });
  after(() => offline?.agent.close());

  it('quarantines colour, drawn, gradient and other-body-part images with CXR_ERR_NOT_CHEST_XRAY and scores the chest films', async () => {
    const { fx, agent } = offline;
    assert.ok(
      agent.model.manifest.gate?.maxColourResidual !== undefined,
      'the bundled gate has the tint-aware colour rule',
    );
    // a warm-toned photograph-like image: smooth colour with texture (not flat), clearly not grey
    const noise = (x: number, y: number) => ((x * 7919 + y * 104729) % 61) - 30;
    const photo = raster(3, (x, y) => [150 + noise(x, y), 90 + (x >> 2) + noise(y, x) / 2, 60 + (y >> 3)]);
    const drawing = raster(1, (x, y) => [
      (x - 128) ** 2 + (y - 100) ** 2 < 60 ** 2 ? 200 : x > 180 && y > 160 ? 40 : 120,
    ]);
    const gradient = raster(1, (x, y) => [Math.round(30 + ((x + y) * 190) / (2 * SIDE))]);
    writeFileSync(join(fx.inDir, 'photo.png'), await png(photo, 3));
    writeFileSync(join(fx.inDir, 'drawing.png'), await png(drawing, 1));
    writeFileSync(join(fx.inDir, 'gradient.png'), await png(gradient, 1));
    // the display pixels as a PACS export would save them: 8-bit grey, no header
    const dental = await readImageFile(DENTAL);
    const dentalPng = await sharp(
      Uint8Array.from(dental.pixels, (v) => Math.round(255 * v)),
      {
        raw: { width: dental.cols, height: dental.rows, channels: 1 },
      },
    )
      .png()
      .toBuffer();
    writeFileSync(join(fx.inDir, 'dental.png'), dentalPng);
    copyFileSync(FILM, join(fx.inDir, 'film.png'));
    writeFileSync(join(fx.inDir, 'film-copy.jpg'), await sharp(FILM).jpeg({ quality: 85 }).toBuffer());
    // the film as a sepia-tinted colour JPEG (a film photographed on a light box, a scan): a tint is not colour
    const grey = await sharp(FILM).greyscale().raw().toBuffer({ resolveWithObject: true });
    const sepia = Buffer.alloc(grey.info.width * grey.info.height * 3);
    for (let i = 0; i < grey.info.width * grey.info.height; i++) {
      [1, 0.85, 0.65].forEach((k, c) => {
        sepia[i * 3 + c] = Math.round(grey.data[i]! * k);
      });
    }
    const sepiaJpeg = await sharp(sepia, { raw: { width: grey.info.width, height: grey.info.height, channels: 3 } })
      .jpeg({ quality: 85 })
      .toBuffer();
    writeFileSync(join(fx.inDir, 'film-sepia.jpg'), sepiaJpeg);
    // another film on white paper (10 % margins; refused by 3.1.0's gate head before margins were cut, 0.05 < 0.43):
    // the margins are cut before the model (models/preprocess/content-box.ts)
    const margin = 26;
    const onPaper = await sharp(ON_PAPER)
      .extend({ top: margin, bottom: margin, left: margin, right: margin, background: '#fff' })
      .png()
      .toBuffer();
    writeFileSync(join(fx.inDir, 'film-on-paper.png'), onPaper);
    // the film scanned on its side: refused, and the clinic is told how it came (models/package/film-orientation.ts)
    writeFileSync(join(fx.inDir, 'film-turned.png'), await sharp(FILM).rotate(90).png().toBuffer());
    // and saved as a negative (a MONOCHROME1 film exported without its inversion): 3.1.1's gate scored it
    writeFileSync(join(fx.inDir, 'film-negative.png'), await sharp(FILM).negate({ alpha: false }).png().toBuffer());
    // another film saved as a negative (3.2.0's gate passed it, head 0.13; 3.2.1's refuses it, head 0.011)
    const negative = await sharp(OTHER_NEGATIVE).negate({ alpha: false }).png().toBuffer();
    writeFileSync(join(fx.inDir, 'other-film-negative.png'), negative);
    // the film upside down: refused by the gate (head 0.007), named from its copy put right (1.00)
    writeFileSync(join(fx.inDir, 'film-upside-down.png'), await sharp(FILM).rotate(180).png().toBuffer());
    // a film upside down that the gate passes (3.2.1: head 0.50 ≥ 0.48), less surely than the film put right
    // (1.00): the agent runs its turned and inverted copies and refuses it the same way (passedWrongWay)
    writeFileSync(
      join(fx.inDir, 'passing-upside-down.png'),
      await sharp(PASSING_UPSIDE_DOWN).rotate(180).png().toBuffer(),
    );

    await untilHandled(offline, { quarantined: 9, scored: 4 });
    const refused = quarantined(fx);
    assert.deepEqual(Object.fromEntries(Object.entries(refused).map(([name, error]) => [name, error.code])), {
      'photo.png': 'CXR_ERR_NOT_CHEST_XRAY',
      'drawing.png': 'CXR_ERR_NOT_CHEST_XRAY',
      'gradient.png': 'CXR_ERR_NOT_CHEST_XRAY',
      'dental.png': 'CXR_ERR_NOT_CHEST_XRAY',
      'film-turned.png': 'CXR_ERR_FILM_ORIENTATION',
      'film-negative.png': 'CXR_ERR_FILM_ORIENTATION',
      'other-film-negative.png': 'CXR_ERR_FILM_ORIENTATION',
      'film-upside-down.png': 'CXR_ERR_FILM_ORIENTATION',
      'passing-upside-down.png': 'CXR_ERR_FILM_ORIENTATION',
    });
    assert.match(refused['film-turned.png']!.message, /a chest film turned 90° clockwise: send it upright/);
    assert.match(refused['film-negative.png']!.message, /black and white swapped/);
    assert.match(refused['other-film-negative.png']!.message, /black and white swapped/);
    assert.match(refused['film-upside-down.png']!.message, /a chest film upside down: send it upright/);
    assert.match(refused['passing-upside-down.png']!.message, /a chest film upside down: send it upright/);
    const reasons = Object.values(refused)
      .map((error) => error.message)
      .join('\n');
    assert.match(reasons, /a colour image/);
    assert.match(reasons, /exactly flat over/);
    assert.match(reasons, /does not look like a chest radiograph/, "the dental film: refused by the model's gate");
    assert.equal(agent.store.outboxSize(), 4, 'only the four chest films have results');
  });
});
