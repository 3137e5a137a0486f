/**
 * The burned-in text detector on both runtimes, on real films from test/fixtures (adult NIH films and
 * pediatric site-B films) with a synthetic name drawn in: OpenVINO finds exactly the boxes ONNX Runtime finds,
 * its name says which runtime runs it, and it falls back to ONNX Runtime when the OpenVINO library does not load.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openTextDetector, type TextDetector } from '../../../models/deid/text-detector.ts';
import { readImage } from '../../../models/image/read-image.ts';
import { drawName, seededRandom } from '../../support/burned-in-name.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

function fixtureFilms(): string[] {
  const nih = join(FIXTURES, 'triage-holdout');
  const siteB = join(FIXTURES, 'site-b', 'images');
  const pngs = (dir: string) =>
    readdirSync(dir)
      .filter((n) => n.endsWith('.png'))
      .sort()
      .map((n) => join(dir, n));
  return [...pngs(nih).slice(0, 4), ...pngs(siteB).filter((_, i) => i % 8 === 0)];
}

/** Each film twice: as it is, and with a name drawn in a corner or along an edge. */
async function films() {
  const random = seededRandom(3);
  const out = [];
  for (const path of fixtureFilms()) {
    const film = await readImage(readFileSync(path));
    out.push(film);
    const grey = Uint8Array.from(film.pixels, (v) => Math.round(v * 255));
    const drawn = await drawName(grey, film.cols, film.rows, random);
    out.push({ ...film, pixels: Float32Array.from(drawn.pixels, (v) => v / 255) });
  }
  return out;
}

describe('text detector on OpenVINO and ONNX Runtime', () => {
  let ov: TextDetector;
  let ort: TextDetector;
  let all: Awaited<ReturnType<typeof films>>;
  before(async () => {
    all = await films();
    ov = await openTextDetector({ side: 640, keepLaterality: true, runtime: 'openvino' });
    ort = await openTextDetector({ side: 640, keepLaterality: true, runtime: 'onnxruntime' });
  });
  after(async () => {
    await ov.close();
    await ort.close();
  });

  it('names the runtime that runs it', () => {
    assert.deepEqual([ov.name, ort.name], ['pp-ocrv4-det@640/openvino', 'pp-ocrv4-det@640/onnxruntime']);
  });

  it('finds the same boxes on both runtimes on real films, with and without a drawn name', async () => {
    let masked = 0;
    assert.ok(all.length >= 16, 'enough fixture films');
    for (const [i, film] of all.entries()) {
      const [a, b] = [
        await ov.detect(film.pixels, film.cols, film.rows),
        await ort.detect(film.pixels, film.cols, film.rows),
      ];
      assert.deepEqual(a, b, `film ${i} (${film.cols}x${film.rows})`);
      if (a.boxes.length > 0) masked++;
    }
    assert.ok(masked >= all.length / 2, `${masked} of ${all.length} films got masks: the drawn names are found`);
  });

  it('falls back to ONNX Runtime when the OpenVINO library does not load, and finds the same boxes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cxr-text-detector-'));
    const notALibrary = join(dir, 'libopenvino_c.so.1');
    await writeFile(notALibrary, 'not an ELF file');
    const fallback = await openTextDetector({ side: 640, keepLaterality: true, openvinoLibPath: notALibrary });
    try {
      assert.equal(fallback.name, 'pp-ocrv4-det@640/onnxruntime');
      const named = all[1];
      const found = await fallback.detect(named!.pixels, named!.cols, named!.rows);
      assert.ok(found.boxes.length > 0);
      assert.deepEqual(found.boxes, (await ov.detect(named!.pixels, named!.cols, named!.rows)).boxes);
    } finally {
      await fallback.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
