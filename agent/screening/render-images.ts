/**
 * Renders the de-identified preview (JPEG) and the diagnostic PNG with sharp (libvips: resize and encoding
 * in native code). The preview is drawn from the
 * DECODED pixels, never from the file's bytes, so no header or embedded metadata can survive; sharp writes
 * no EXIF/ICC unless asked (`withMetadata` is never called).
 */
import sharp from 'sharp';
import type { ImageBlob } from './image-blob.ts';

/** Preview size: long side at most `maxSide`, never enlarged. */
export function previewSize(cols: number, rows: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(cols, rows));
  return { width: Math.max(1, Math.round(cols * scale)), height: Math.max(1, Math.round(rows * scale)) };
}

export async function renderPreview(
  pixels: Float32Array,
  cols: number,
  rows: number,
  size: { width: number; height: number },
): Promise<ImageBlob> {
  // One pass to 8 bits in JS: measured faster here than libvips' float → grey16 → 8-bit conversion chain.
  const grey = new Uint8Array(cols * rows);
  for (let i = 0; i < grey.length; i++) {
    const v = pixels[i] as number;
    grey[i] = v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0;
  }
  let film = sharp(grey, { raw: { width: cols, height: rows, channels: 1 } });
  if (size.width !== cols || size.height !== rows)
    film = film.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' });
  const jpeg = await film.jpeg({ quality: 85, mozjpeg: false }).toBuffer();
  return { mime: 'image/jpeg', width: size.width, height: size.height, base64: jpeg.toString('base64') };
}

/**
 * The lossless diagnostic PNG (docs/viewing.md): one grey channel, 8-bit when the samples fit 8 bits, else
 * 16-bit (big endian in the file, as PNG stores it). Drawn from the masked diagnostic samples, never from
 * the file's bytes; sharp writes no metadata chunks.
 */
export async function renderDiagnostic(
  samples: Uint16Array,
  cols: number,
  rows: number,
  bits: number,
): Promise<Buffer> {
  if (bits <= 8) {
    const bytes = new Uint8Array(samples.length);
    bytes.set(samples); // a native narrowing copy (the samples fit 8 bits)
    return sharp(bytes, { raw: { width: cols, height: rows, channels: 1 } })
      .toColourspace('b-w')
      .png({ compressionLevel: 6 })
      .toBuffer();
  }
  return sharp(samples, { raw: { width: cols, height: rows, channels: 1 } })
    .toColourspace('grey16')
    .png({ compressionLevel: 6 })
    .toBuffer();
}
