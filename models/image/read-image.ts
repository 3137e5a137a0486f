/**
 * Reader stage entry point: file bytes (DICOM, PNG or JPEG, told apart by magic bytes, never by the
 * file name) → DecodedImage with [0,1] pixels (1 = dense), non-PHI meta, identifiers kept apart and a
 * chest verdict. Every failure is a CxrError of kind 'input' with a stable code (image-errors.ts).
 */
import { readFile } from 'node:fs/promises';
import { isCxrError } from '../errors.ts';
import { type ChestPolicy, DEFAULT_CHEST_POLICY } from './chest-check.ts';
import { readDicom } from './dicom/read-dicom.ts';
import { imageError } from './image-errors.ts';
import { readRaster } from './read-raster.ts';
import { sniffFormat } from './sniff-format.ts';
import type { DecodedImage } from './types.ts';

export type { ChestPolicy } from './chest-check.ts';

export interface ReadOptions {
  /** Refuse images with more samples (rows*cols*samplesPerPixel) than this, before allocating. */
  maxPixels?: number;
  chestPolicy?: ChestPolicy;
  /** Also keep the lossless diagnostic samples (DecodedImage.diagnostic); costs 2 bytes per pixel. */
  diagnostic?: boolean;
}

/** 50 M samples: a 7000x7000 detector fits; a forged 65535x65535 header does not. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

export async function readImage(bytes: Uint8Array, options: ReadOptions = {}): Promise<DecodedImage> {
  const resolved = {
    maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
    chestPolicy: options.chestPolicy ?? DEFAULT_CHEST_POLICY,
    diagnostic: options.diagnostic ?? false,
  };
  try {
    const format = sniffFormat(bytes);
    if (format === 'png' || format === 'jpeg') return await readRaster(bytes, format, resolved);
    return await readDicom(bytes, format, resolved);
  } catch (thrown) {
    if (isCxrError(thrown)) throw thrown;
    // A codec or parser bug on hostile input is still the file's fault from the caller's view.
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    throw imageError('CXR_ERR_DECODE_FAILED', `the image could not be decoded (${message})`, thrown);
  }
}

export async function readImageFile(path: string, options: ReadOptions = {}): Promise<DecodedImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (thrown) {
    const code = (thrown as NodeJS.ErrnoException).code;
    throw imageError('CXR_ERR_FILE_UNREADABLE', `the file could not be read (${code ?? String(thrown)})`, thrown);
  }
  return readImage(bytes, options);
}
