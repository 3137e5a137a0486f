/**
 * DICOM bytes → parsed data set (dicom-parser), with parser failures mapped to typed errors.
 * In: bytes and the sniffed container. Out: dicom-parser DataSet plus the transfer syntax actually used.
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
    dataSet = dicomParser.parseDicom(input, {
      ...(rawSyntax === undefined ? {} : { TransferSyntaxUID: rawSyntax }),
      inflater,
    } as dicomParser.ParseDicomOptions);
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
