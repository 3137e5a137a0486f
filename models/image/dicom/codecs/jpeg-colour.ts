/**
 * Tells libjpeg the colour space DICOM declares when the JPEG stream itself does not (pure).
 * PS3.5 8.2.1: Photometric Interpretation RGB on JPEG Baseline means the components were compressed
 * without a colour transform. libjpeg guesses YCbCr for a 3-component stream with no JFIF APP0, no Adobe
 * APP14 and component ids other than 'R','G','B' (jdapimin.c, default_decompress_parms), and would convert
 * R,G,B as if they were Y,Cb,Cr. For such a stream an Adobe APP14 marker with transform 0 is put after SOI,
 * so libjpeg returns the components as they are. A stream that carries its own signal keeps it.
 * In: one frame's JPEG stream and the header's Photometric Interpretation. Out: the stream to decode.
 */

/** APP14 "Adobe", version 100, flags 0 and 0, transform 0 (no colour transform). */
const ADOBE_NO_TRANSFORM = Uint8Array.from([
  0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00,
]);

interface ColourSignals {
  jfif: boolean;
  adobe: boolean;
  rgbIds: boolean;
  components: number;
}

function startsWithText(bytes: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** The markers before the first scan that tell a decoder the colour space (T.81 B.2, JFIF, Adobe APP14). */
export function jpegColourSignals(bytes: Uint8Array): ColourSignals {
  const signals: ColourSignals = { jfif: false, adobe: false, rgbIds: false, components: 0 };
  let i = 2;
  while (i + 4 <= bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1] ?? 0;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break;
    const length = ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0);
    // libjpeg (jdmarker.c) takes these markers only when they are long enough: JFIF 14 data bytes, Adobe 12.
    if (marker === 0xe0 && length >= 16 && startsWithText(bytes, i + 4, 'JFIF\0')) signals.jfif = true;
    if (marker === 0xee && length >= 14 && startsWithText(bytes, i + 4, 'Adobe')) signals.adobe = true;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      signals.components = bytes[i + 9] ?? 0;
      const ids = [0, 1, 2].map((c) => bytes[i + 10 + 3 * c]);
      signals.rgbIds = signals.components === 3 && ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42;
    }
    i += 2 + length;
  }
  return signals;
}

export function declareDicomColourSpace(bytes: Uint8Array, photometric: string): Uint8Array {
  if (photometric !== 'RGB') return bytes;
  const signals = jpegColourSignals(bytes);
  if (signals.components !== 3 || signals.jfif || signals.adobe || signals.rgbIds) return bytes;
  const out = new Uint8Array(bytes.length + ADOBE_NO_TRANSFORM.length);
  out.set(bytes.subarray(0, 2), 0);
  out.set(ADOBE_NO_TRANSFORM, 2);
  out.set(bytes.subarray(2), 2 + ADOBE_NO_TRANSFORM.length);
  return out;
}
