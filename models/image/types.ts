/** The value every image reader produces, whatever the file format. */

export type ImageFormat = 'dicom' | 'png' | 'jpeg';

/** Descriptive tags that are not PHI: safe to log and to send to the hub. */
export interface ImageMeta {
  /** DICOM transfer syntax UID; undefined for PNG/JPEG. */
  transferSyntax?: string;
  modality?: string;
  bodyPart?: string;
  viewPosition?: string;
  photometric?: string;
  sopClassUid?: string;
  /** Bits of real data per sample in the source (8, 10, 12, 16). */
  bitsStored: number;
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
  /** When the image was acquired, if the header says (DICOM only; acquisition-time.ts). Never logged. */
  acquiredAt?: Date;
  /** Whether this looks like a chest radiograph (see models/image/chest-check.ts). */
  isChest: boolean;
  /** Why isChest is false, for the quarantine reason; undefined when isChest. */
  notChestReason?: string;
}
