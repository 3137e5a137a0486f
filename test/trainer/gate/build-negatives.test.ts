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

test('same-named images in two folders are both kept; WebP is read; one larger than the reader takes is shrunk; --grey-copies adds grey copies of colour images only', async () => {
  const root = tempDir('cxr-negatives-grey-');
  const themes = join(root, 'themes');
  mkdirSync(join(themes, 'emerald'), { recursive: true });
  mkdirSync(join(themes, 'ceratopsian'), { recursive: true });
  const wood = sharp({ create: { width: 80, height: 60, channels: 3, background: { r: 150, g: 100, b: 50 } } });
  await wood
    .clone()
    .webp()
    .toFile(join(themes, 'emerald', 'logo.webp'));
  await grey(80, 60)
    .png()
    .toFile(join(themes, 'ceratopsian', 'logo.png'));
  await grey(4100, 4100).png().toFile(join(themes, 'wallpaper.png')); // 50.4 M samples: over the reader's limit
  const out = join(root, 'out');
  const records = await buildNegatives({
    outDir: out,
    dicomDirs: [],
    imageDirs: [{ dir: themes, licence: 'GPL (a Debian package)', kind: 'graphic' }],
    greyCopies: true,
    pages: [],
    syntheticPerKind: 0,
    seed: 1,
  });
  assert.deepEqual(
    records.map((r) => [r.file, r.source]),
    [
      ['graphic/image-logo.png', 'ceratopsian/logo.png'],
      ['graphic/image-logo-2.png', 'emerald/logo.webp'],
      ['graphic/image-logo-grey.png', 'emerald/logo.webp (grey copy)'],
      ['graphic/image-wallpaper.png', 'wallpaper.png'],
    ],
  );
  const wallpaper = await sharp(join(out, 'graphic/image-wallpaper.png')).metadata();
  assert.deepEqual([wallpaper.width, wallpaper.height], [2048, 2048]);
  const { data, info } = await sharp(join(out, 'graphic/image-logo-grey.png'))
    .raw()
    .toBuffer({ resolveWithObject: true });
  assert.ok(info.channels === 1 || (data[0] === data[1] && data[1] === data[2]), 'the copy is grey');
  const colour = await sharp(join(out, 'graphic/image-logo-2.png')).raw().toBuffer();
  assert.notEqual(colour[0], colour[2], 'the colour image is kept in colour');
});
