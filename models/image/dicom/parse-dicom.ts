/**
 * DICOM bytes → parsed data set (dicom-parser), with parser failures mapped to typed errors.
 * In: bytes and the sniffed container. Out: dicom-parser DataSet plus the transfer syntax actually used.
 * A data set written in implicit VR behind a meta group that names an explicit little endian syntax (some
 * writers do this; pydicom reads it too) is told from its first element and read as implicit VR.
 * Bad input: CXR_ERR_DICOM_TRUNCATED (ran past the end) or CXR_ERR_DICOM_INVALID (anything else malformed).
 */
import { inflateRawSync } from 'node:zlib';
import dicomParser, { type DataSet } from 'dicom-parser';
import { imageError } from '../image-errors.ts';
import type { SniffedFormat } from '../sniff-format.ts';
import { TS } from './transfer-syntaxes.ts';

export interface ParsedDicom {
  dataSet: DataSet;
  transferSyntax: string;
}

const TRUNCATION_HINTS = /past end|buffer overrun|greater than or equal to 'byteArray' length|outside the bounds/i;

/** dicom-parser throws Errors, strings, or `{ exception, dataSet }` objects. */
function parserMessage(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'string') return thrown;
  if (thrown !== null && typeof thrown === 'object' && 'exception' in thrown) return String(thrown.exception);
  return String(thrown);
}

/** PS3.10 7.1: a file shorter than its File Meta Information Group Length says is cut inside the meta group. */
function endsInsideMeta(bytes: Uint8Array): boolean {
  if (bytes.length < 144) return true;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isGroupLength = view.getUint16(132, true) === 0x0002 && view.getUint16(134, true) === 0x0000;
  return isGroupLength && bytes.length < 144 + view.getUint32(140, true);
}

/** PS3.10 7.1: a preamble-less meta group is given the preamble back so dicom-parser can read it. */
function withPreamble(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 132);
  out.set([0x44, 0x49, 0x43, 0x4d], 128);
  out.set(bytes, 132);
  return out;
}

/** PS3.5 A.5: Deflated Explicit VR Little Endian: everything after the meta group is raw deflate. */
function inflater(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(bytes.subarray(position));
  const out = new Uint8Array(position + inflated.length);
  out.set(bytes.subarray(0, position), 0);
  out.set(inflated, position);
  return out;
}

const isUpper = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x41 && byte <= 0x5a;

/** Where the data set starts when the meta group names explicit little endian but its first element has no VR. */
function implicitBodyStart(input: Uint8Array): number | undefined {
  let meta: DataSet & { position?: number };
  try {
    meta = dicomParser.readPart10Header(input);
  } catch {
    return undefined; // the full parse below reports it
  }
  const syntax = meta.string('x00020010');
  const at = meta.position;
  if (syntax === undefined || at === undefined || at + 8 > input.length) return undefined;
  const explicitLittle =
    syntax !== TS.implicitLittle && syntax !== TS.explicitBig && syntax !== TS.deflatedExplicitLittle;
  // PS3.5 7.1.2: an explicit VR element has its VR, two upper-case letters, right after the tag.
  return explicitLittle && !(isUpper(input[at + 4]) && isUpper(input[at + 5])) ? at : undefined;
}

/** The data set from `start` read as implicit VR little endian; encapsulated Pixel Data keeps its fragments. */
function parseImplicitBody(input: Uint8Array, start: number): DataSet {
  const parser = dicomParser.littleEndianByteArrayParser;
  const dataSet = dicomParser.readPart10Header(input); // the meta elements; the body's are added to them
  // Pixel Data is not a sequence even when its first item looks like one. For other tags, undefined means
  // "VR unknown, peek for items" in dicom-parser (readDicomElementImplicit), though its type says string.
  // No untilTag: read to the end.
  const vrCallback = (tag: string): string => (tag === 'x7fe00010' ? 'OB' : (undefined as unknown as string));
  const stream = new dicomParser.ByteStream(parser, input, start);
  dicomParser.parseDicomDataSetImplicit(dataSet, stream, input.length, { untilTag: '', vrCallback });
  const pixelData = dataSet.elements.x7fe00010;
  if (pixelData?.hadUndefinedLength) {
    dicomParser.findEndOfEncapsulatedElement(
      new dicomParser.ByteStream(parser, input, pixelData.dataOffset),
      pixelData,
    );
  }
  return dataSet;
}

export function parseDicom(bytes: Uint8Array, container: SniffedFormat): ParsedDicom {
  const input = container === 'dicom-meta-no-preamble' ? withPreamble(bytes) : bytes;
  const rawSyntax =
    container === 'dicom-implicit-raw'
      ? TS.implicitLittle
      : container === 'dicom-explicit-raw'
        ? TS.explicitLittle
        : undefined;
  let dataSet: DataSet;
  try {
    const implicitStart = rawSyntax === undefined ? implicitBodyStart(input) : undefined;
    dataSet =
      implicitStart === undefined
        ? dicomParser.parseDicom(input, {
            ...(rawSyntax === undefined ? {} : { TransferSyntaxUID: rawSyntax }),
            inflater,
          } as dicomParser.ParseDicomOptions)
        : parseImplicitBody(input, implicitStart);
  } catch (thrown) {
    const message = parserMessage(thrown);
    if (TRUNCATION_HINTS.test(message) || (container !== 'dicom-implicit-raw' && endsInsideMeta(input))) {
      throw imageError('CXR_ERR_DICOM_TRUNCATED', `the DICOM file is truncated (${message})`, thrown);
    }
    throw imageError('CXR_ERR_DICOM_INVALID', `the DICOM file could not be parsed (${message})`, thrown);
  }
  const transferSyntax = rawSyntax ?? dataSet.string('x00020010') ?? TS.implicitLittle;
  return { dataSet, transferSyntax };
}
