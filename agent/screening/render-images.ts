/**
 * Renders the de-identified preview (JPEG) with sharp. The preview is drawn from the
 * DECODED pixels, never from the file's bytes, so no header or embedded metadata can survive; sharp writes
 * no EXIF/ICC unless asked (`withMetadata` is never called).
 */
import sharp from 'sharp';
import type { ImageBlob } from './image-blob.ts';

export async function renderPreview(
  pixels: Float32Array,
  cols: number,
  rows: number,
  size: { width: number; height: number },
): Promise<ImageBlob> {
  const grey = new Uint8Array(cols * rows);
  for (let i = 0; i < grey.length; i++) grey[i] = Math.round(Math.min(1, Math.max(0, pixels[i] as number)) * 255);
  const jpeg = await sharp(grey, { raw: { width: cols, height: rows, channels: 1 } })
    .resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
    .jpeg({ quality: 85, mozjpeg: false })
    .toBuffer();
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
    return sharp(Uint8Array.from(samples), { raw: { width: cols, height: rows, channels: 1 } })
      .toColourspace('b-w')
      .png({ compressionLevel: 6 })
      .toBuffer();
  }
  return sharp(samples, { raw: { width: cols, height: rows, channels: 1 } })
    .toColourspace('grey16')
    .png({ compressionLevel: 6 })
    .toBuffer();
}
