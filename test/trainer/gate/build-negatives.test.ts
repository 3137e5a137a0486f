import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { buildNegatives } from '../../../trainer/gate/build-negatives.ts';
import { tempDir } from '../../hub/fixtures.ts';

const grey = (width: number, height: number) =>
  sharp(Buffer.alloc(width * height * 3, 90), { raw: { width, height, channels: 3 } });

test('ready-made images are written as PNG with their kind, source and licence; others are skipped', async () => {
  const root = tempDir('cxr-negatives-images-');
  const shots = join(root, 'manual', 'images');
  mkdirSync(join(shots, 'sub'), { recursive: true });
  await grey(120, 80).png().toFile(join(shots, 'MainPanel.png'));
  await grey(64, 64)
    .jpeg()
    .toFile(join(shots, 'sub', 'viewer.jpg'));
  await grey(16, 16).png().toFile(join(shots, 'icon.png')); // too small to be a picture of anything
  writeFileSync(join(shots, 'notes.txt'), 'not an image');
  writeFileSync(join(shots, 'broken.png'), 'not a png either');
  const out = join(root, 'out');
  const records = await buildNegatives({
    outDir: out,
    dicomDirs: [],
    imageDirs: [{ dir: shots, licence: 'BSD (a Debian package)', kind: 'screenshot' }],
    pages: [],
    syntheticPerKind: 0,
    seed: 1,
  });
  assert.deepEqual(
    records.map((r) => [r.file, r.kind, r.source, r.licence]),
    [
      ['screenshot/image-MainPanel.png', 'screenshot', 'MainPanel.png', 'BSD (a Debian package)'],
      ['screenshot/image-viewer.png', 'screenshot', 'sub/viewer.jpg', 'BSD (a Debian package)'],
    ],
  );
  const written = await sharp(join(out, 'screenshot/image-viewer.png')).metadata();
  assert.equal(written.format, 'png');
  assert.match(
    readFileSync(join(out, 'negatives.csv'), 'utf8'),
    /^file,kind,source,licence\nscreenshot\/image-MainPanel/,
  );
});
