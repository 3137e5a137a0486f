/**
 * Stored values → the diagnostic image's samples (pure): full stored bit depth after the Modality LUT,
 * lossless, as unsigned 16-bit samples with a linear map back to modality values (`value = sample × slope +
 * intercept`, as DICOM's Rescale Slope/Intercept), and the default window in modality-value space.
 * In: stored values (exact integers, masked and sign-extended) and the header. Out: DiagnosticPixels, or
 * undefined when the samples do not fit 16 bits losslessly (Bits Stored > 16, a LUT wider than 16 bits):
 * such a film keeps its preview only.
 * - Modality LUT Sequence: the LUT's output entries are the samples (slope 1, intercept 0).
 * - Rescale: the stored values themselves, shifted by 2^(bits−1) when signed, with slope and intercept
 *   adjusted for the shift, so nothing is rounded.
 * Default window: Window Center/Width from the file, else the one the reader chose for the preview
 * (chooseWindow: full range for ≤ 8-bit display-ready data, else 0.5–99.5 % percentiles). MONOCHROME1 and
 * Presentation LUT INVERSE set `invert`.
 */
import type { DiagnosticPixels } from '../types.ts';
import type { DicomHeader } from './dicom-header.ts';
import { applyLut, chooseWindow, isInverted } from './voi.ts';

export function diagnosticValues(stored: Float32Array, header: DicomHeader): DiagnosticPixels | undefined {
  const count = stored.length;
  const samples = new Uint16Array(count);
  let slope = 1;
  let intercept = 0;
  let bits: number;
  const lut = header.modalityLut;
  if (lut) {
    if (lut.bitsPerEntry > 16) return undefined;
    bits = lut.bitsPerEntry;
    for (let i = 0; i < count; i++) samples[i] = applyLut(stored[i] ?? 0, lut);
  } else {
    if (header.bitsStored > 16) return undefined;
    bits = header.bitsStored;
    const offset = header.pixelRepresentation === 1 ? 2 ** (bits - 1) : 0;
    if (offset === 0)
      samples.set(stored); // exact integers in [0, 2^16): a native conversion
    else for (let i = 0; i < count; i++) samples[i] = (stored[i] as number) + offset;
    slope = header.rescaleSlope;
    intercept = header.rescaleIntercept - offset * slope;
  }
  // The file's window needs no pass over the pixels; any other is chosen from the modality values.
  const { windowCenter: center, windowWidth: width } = header;
  const window =
    center !== undefined && width !== undefined
      ? { center, width }
      : chooseWindow(modalityValues(samples, slope, intercept), header);
  return { samples, bitsStored: Math.max(1, bits), slope, intercept, window, invert: isInverted(header) };
}

function modalityValues(samples: Uint16Array, slope: number, intercept: number): Float32Array {
  if (slope === 1 && intercept === 0) return new Float32Array(samples);
  const modality = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) modality[i] = (samples[i] as number) * slope + intercept;
  return modality;
}
