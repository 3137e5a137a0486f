/** Transfer syntax UIDs we read (PS3.5 §10 and Annex A) and which decoder handles each. */

export const TS = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  deflatedExplicitLittle: '1.2.840.10008.1.2.1.99',
  explicitBig: '1.2.840.10008.1.2.2',
  rle: '1.2.840.10008.1.2.5',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  jpegLossless: '1.2.840.10008.1.2.4.57',
  jpegLosslessSv1: '1.2.840.10008.1.2.4.70',
  jpegLsLossless: '1.2.840.10008.1.2.4.80',
  jpegLsNearLossless: '1.2.840.10008.1.2.4.81',
  jpeg2000Lossless: '1.2.840.10008.1.2.4.90',
  jpeg2000: '1.2.840.10008.1.2.4.91',
} as const;

export type CodecName = 'native' | 'native-big' | 'rle' | 'jpeg-dct' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000';

export const CODEC_BY_TRANSFER_SYNTAX: Readonly<Record<string, CodecName>> = {
  [TS.implicitLittle]: 'native',
  [TS.explicitLittle]: 'native',
  [TS.deflatedExplicitLittle]: 'native',
  [TS.explicitBig]: 'native-big',
  [TS.rle]: 'rle',
  [TS.jpegBaseline]: 'jpeg-dct',
  [TS.jpegExtended]: 'jpeg-dct',
  [TS.jpegLossless]: 'jpeg-lossless',
  [TS.jpegLosslessSv1]: 'jpeg-lossless',
  [TS.jpegLsLossless]: 'jpeg-ls',
  [TS.jpegLsNearLossless]: 'jpeg-ls',
  [TS.jpeg2000Lossless]: 'jpeg2000',
  [TS.jpeg2000]: 'jpeg2000',
};

/** Short human names for `cxr read`. */
export const TRANSFER_SYNTAX_NAMES: Readonly<Record<string, string>> = {
  [TS.implicitLittle]: 'Implicit VR Little Endian',
  [TS.explicitLittle]: 'Explicit VR Little Endian',
  [TS.deflatedExplicitLittle]: 'Deflated Explicit VR Little Endian',
  [TS.explicitBig]: 'Explicit VR Big Endian',
  [TS.rle]: 'RLE Lossless',
  [TS.jpegBaseline]: 'JPEG Baseline (Process 1)',
  [TS.jpegExtended]: 'JPEG Extended (Process 2 & 4)',
  [TS.jpegLossless]: 'JPEG Lossless (Process 14)',
  [TS.jpegLosslessSv1]: 'JPEG Lossless SV1 (Process 14)',
  [TS.jpegLsLossless]: 'JPEG-LS Lossless',
  [TS.jpegLsNearLossless]: 'JPEG-LS Near-Lossless',
  [TS.jpeg2000Lossless]: 'JPEG 2000 Lossless',
  [TS.jpeg2000]: 'JPEG 2000',
};
