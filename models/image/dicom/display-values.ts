/**
 * Decoded grey samples → [0, 1] display values, 1 = dense (pure). In: the codec's frame and the header. Out: one
 * Float32Array of rows × cols, the same values as `renderGrey(toStoredValues(frame, header), header)`.
 * When the window does not depend on the film's own values (a VOI LUT Sequence, Window Center/Width from the
 * file, or ≤ 8-bit display-ready data: voi.ts `chooseWindow`) and at most 16 bits are stored, the whole grayscale
 * pipeline (Modality LUT, VOI, polarity) is computed once per possible stored value, by the same functions, into
 * a table of 2^Bits Stored entries, and each pixel is one lookup: one pass over the film instead of three, no
 * float arithmetic per pixel. Any other film (a percentile window, colour, > 16 bits) takes the general path.
 */
import type { DicomHeader } from './dicom-header.ts';
import { type CodecFrame, toStoredValues } from './stored-values.ts';
import { renderGrey } from './voi.ts';

interface DisplayTable {
  /** Display value of stored value v at index v + offset. */
  lut: Float32Array;
  offset: number;
}

/** The table for this header, or undefined when the window must be chosen from the film's own values. */
export function displayTable(header: DicomHeader): DisplayTable | undefined {
  const bits = header.bitsStored;
  if (header.samplesPerPixel !== 1 || bits < 1 || bits > 16) return undefined;
  const tagWindow = header.windowCenter !== undefined && header.windowWidth !== undefined;
  const identity = !header.modalityLut && header.rescaleSlope === 1 && header.rescaleIntercept === 0;
  const displayReady = identity && bits <= 8 && header.pixelRepresentation === 0;
  if (!header.voiLut && !tagWindow && !displayReady) return undefined;
  const offset = header.pixelRepresentation === 1 ? 2 ** (bits - 1) : 0;
  const domain = new Float32Array(2 ** bits);
  for (let i = 0; i < domain.length; i++) domain[i] = i - offset;
  return { lut: renderGrey(domain, header), offset };
}

export function displayValues(frame: CodecFrame, header: DicomHeader): Float32Array {
  const table = frame.samplesPerPixel === 1 ? displayTable(header) : undefined;
  if (!table) return renderGrey(toStoredValues(frame, header), header);
  const { lut, offset } = table;
  const count = header.rows * header.cols;
  const out = new Float32Array(count);
  const samples = frame.samples;
  const shift = Math.max(0, header.highBit + 1 - header.bitsStored);
  if (
    header.pixelRepresentation === 0 &&
    shift === 0 &&
    (samples instanceof Uint8Array || samples instanceof Uint16Array)
  ) {
    const mask = 2 ** header.bitsStored - 1; // bits above Bits Stored (overlays, garbage) are not the value
    for (let i = 0; i < count; i++) out[i] = lut[(samples[i] as number) & mask] as number;
    return out;
  }
  const stored = toStoredValues(frame, header); // shifted, masked, sign-extended
  for (let i = 0; i < count; i++) out[i] = lut[(stored[i] as number) + offset] as number;
  return out;
}
