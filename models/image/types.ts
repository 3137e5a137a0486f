/** The value every image reader produces, whatever the file format. */

import type { ViewVerdict } from './view-projection.ts';

export type ImageFormat = 'dicom' | 'png' | 'jpeg';

/** Descriptive tags that are not PHI: safe to log and to send to the hub. */
export interface ImageMeta {
  /** DICOM transfer syntax UID; undefined for PNG/JPEG. */
  transferSyntax?: string;
  modality?: string;
  bodyPart?: string;
  viewPosition?: string;
  /** The projection and the tag that said it (view-projection.ts); DICOM only. */
  view?: ViewVerdict;
  photometric?: string;
  sopClassUid?: string;
  /** Bits of real data per sample in the source (8, 10, 12, 16). */
  bitsStored: number;
  /** Burned In Annotation (0028,0301); undefined when the file does not say (and for PNG/JPEG). */
  burnedInAnnotation?: 'YES' | 'NO';
  /** mm per pixel [row, column] and the tag it came from (dicom/safe-header.ts). */
  pixelSpacingMm?: [number, number];
  spacingSource?: 'PixelSpacing' | 'ImagerPixelSpacing';
  /** 5-year band of the patient's age ("45-49", "90+"): never the age or birth date itself. */
  ageBand?: string;
  sex?: 'M' | 'F' | 'O';
  /** A study description names a portable (bedside) film. */
  portable?: boolean;
  /** Colour PNG/JPEG only: mean of (max - min) of R, G, B per pixel, [0,1] scale (0 for grey stored as RGB). */
  chroma?: number;
  /** Colour PNG/JPEG only: the colour left once one tint per grey level is taken out (image-stats.ts). */
  colourResidual?: number;
}

/**
 * The lossless diagnostic image (dicom/diagnostic-values.ts): full stored bit depth after the Modality LUT as
 * unsigned 16-bit samples; modality value = sample × slope + intercept. Read only when asked (ReadOptions).
 */
export interface DiagnosticPixels {
  samples: Uint16Array;
  /** Significant bits of `samples` (1–16). */
  bitsStored: number;
  slope: number;
  intercept: number;
  /** Default window, in modality values (the file's, else the reader's choice). */
  window: { center: number; width: number };
  /** Display inverted by default (MONOCHROME1, Presentation LUT INVERSE). */
  invert: boolean;
}

/** Identifiers that are PHI or link to PHI. They never leave the clinic: pseudonymise first. */
export interface ImageIdentifiers {
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  sopInstanceUid?: string;
  patientId?: string;
}

export interface DecodedImage {
  format: ImageFormat;
  rows: number;
  cols: number;
  /**
   * Greyscale after modality LUT, VOI windowing and photometric correction, scaled to [0, 1],
   * row-major; 1 is dense (bone white), as MONOCHROME2 displays it.
   */
  pixels: Float32Array;
  meta: ImageMeta;
  identifiers: ImageIdentifiers;
  /** The lossless diagnostic image, when ReadOptions.diagnostic asked for it and it fits 16 bits. */
  diagnostic?: DiagnosticPixels;
  /** When the image was acquired, if the header says (DICOM only; acquisition-time.ts). Never logged. */
  acquiredAt?: Date;
  /** Whether this looks like a chest radiograph (see models/image/chest-check.ts). */
  isChest: boolean;
  /** Why isChest is false, for the quarantine reason; undefined when isChest. */
  notChestReason?: string;
}
