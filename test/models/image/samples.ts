/** Paths of the sample images shipped in models/samples (the only fixtures the image tests use). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SAMPLES_DIR = fileURLToPath(new URL('../../../models/samples/', import.meta.url));

export const DICOM = {
  nihImplicit: 'dicom/nccid/nih_DX_NoFinding_implicitLE.dcm',
  nihExplicit: 'dicom/derived_transcodes/nih_DX_explicitLE.dcm',
  nihJ2k: 'dicom/derived_transcodes/nih_DX_j2k_lossless_4.90.dcm',
  nihJpegLossless: 'dicom/derived_transcodes/nih_DX_jpeg_lossless_sv1_4.70.dcm',
  nihJpegLs: 'dicom/derived_transcodes/nih_DX_jpegls_lossless_4.80.dcm',
  nihRle: 'dicom/derived_transcodes/nih_DX_rle_1.2.5.dcm',
  nihJpegBaseline: 'dicom/derived_transcodes/nih_DX_jpeg_baseline_4.50.dcm',
  crRaw: 'dicom/fo-dicom/CR-MONO1-10-chest.dcm',
  crExplicit: 'dicom/derived_transcodes/CR-MONO1-10-chest_explicitLE_part10.dcm',
  crJpegExtended: 'dicom/derived_transcodes/CR-MONO1-10-chest_jpeg_extended_4.51.dcm',
  siimMono2: 'dicom/torchxrayvision/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm',
  siimMono1: 'dicom/torchxrayvision/Fake_MONOHR1.dcm',
  dental: 'dicom/non_chest/fo-dicom_CR-ModalitySequenceLUT_dental-panoramic.dcm',
  abdomen: 'dicom/non_chest/nccid_sample_OT_abdomen.dcm',
} as const;

export const ALL_DICOM = Object.values(DICOM);

export const PNG_256 = 'nih/images/00000013_009.png';
export const PNG_1024 = 'nih-fullres/00000061_012.png';

export function sample(relative: string): string {
  return SAMPLES_DIR + relative;
}

export function sampleBytes(relative: string): Uint8Array {
  return readFileSync(sample(relative));
}

export function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / a.length;
}
