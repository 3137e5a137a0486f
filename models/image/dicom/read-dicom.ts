/**
 * DICOM reader stage: bytes → DecodedImage.
 * In: file bytes, the sniffed container, read options. Out: DecodedImage ([0,1] pixels, meta, identifiers
 * kept apart, chest verdict). Bad input: typed CxrError (see image-errors.ts); dimensions are checked
 * against maxPixels before any pixel buffer is allocated.
 */

import { type ChestPolicy, checkChest } from '../chest-check.ts';
import { imageError } from '../image-errors.ts';
import type { SniffedFormat } from '../sniff-format.ts';
import type { DecodedImage } from '../types.ts';
import { viewFromTags } from '../view-projection.ts';
import { acquisitionTime } from './acquisition-time.ts';
import { decodeFirstFrame } from './decode-frame.ts';
import { diagnosticValues } from './diagnostic-values.ts';
import { readDicomHeader } from './dicom-header.ts';
import { displayValues } from './display-values.ts';
import { parseDicom } from './parse-dicom.ts';
import { readSafeHeader } from './safe-header.ts';
import { toStoredValues } from './stored-values.ts';
import { renderGrey } from './voi.ts';

export interface DicomReadOptions {
  maxPixels: number;
  chestPolicy: ChestPolicy;
  diagnostic?: boolean;
}

export async function readDicom(
  bytes: Uint8Array,
  container: SniffedFormat,
  options: DicomReadOptions,
): Promise<DecodedImage> {
  const { dataSet, transferSyntax } = parseDicom(bytes, container);
  const header = readDicomHeader(dataSet, transferSyntax);
  const samples = header.rows * header.cols * header.samplesPerPixel;
  if (samples > options.maxPixels) {
    throw imageError(
      'CXR_ERR_IMAGE_TOO_LARGE',
      `${header.cols}x${header.rows}x${header.samplesPerPixel} samples exceed the limit of ${options.maxPixels}`,
    );
  }
  if (header.photometric === 'PALETTE COLOR' || ![1, 3].includes(header.samplesPerPixel)) {
    throw imageError(
      'CXR_ERR_UNSUPPORTED_PIXEL_FORMAT',
      `${header.photometric} with ${header.samplesPerPixel} samples per pixel is not read (grey or RGB/YBR only)`,
    );
  }
  const frame = await decodeFirstFrame(dataSet, header);
  // The diagnostic image needs the stored values themselves; without it one table lookup per pixel does.
  const stored = options.diagnostic ? toStoredValues(frame, header) : undefined;
  const diagnostic = stored ? diagnosticValues(stored, header) : undefined;
  const pixels = stored ? renderGrey(stored, header) : displayValues(frame, header);
  const meta = {
    transferSyntax,
    modality: header.modality,
    bodyPart: header.bodyPart,
    viewPosition: header.viewPosition,
    view: viewFromTags(header),
    photometric: header.photometric,
    sopClassUid: header.sopClassUid,
    bitsStored: header.bitsStored,
    ...readSafeHeader(dataSet, header.descriptions),
  };
  const acquiredAt = acquisitionTime(dataSet);
  const verdict = checkChest({ format: 'dicom', ...meta, descriptions: header.descriptions }, options.chestPolicy);
  return {
    format: 'dicom',
    rows: header.rows,
    cols: header.cols,
    pixels,
    meta,
    identifiers: header.identifiers,
    ...(diagnostic ? { diagnostic } : {}),
    ...(acquiredAt ? { acquiredAt } : {}),
    isChest: verdict.isChest,
    ...(verdict.isChest ? {} : { notChestReason: verdict.reason }),
  };
}
