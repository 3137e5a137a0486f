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

const TRUNCATION_HINTS =
  /past end|beyond the end|end of buffer|buffer overrun|overflow|out of range|outside the bounds/i;

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
    // dicom-parser throws strings as well as Errors; a partial data set may ride along on `dataSet`.
    const message = thrown instanceof Error ? thrown.message : typeof thrown === 'string' ? thrown : String(thrown);
    if (TRUNCATION_HINTS.test(message)) {
      throw imageError('CXR_ERR_DICOM_TRUNCATED', `the DICOM file is truncated (${message})`, thrown);
    }
    throw imageError('CXR_ERR_DICOM_INVALID', `the DICOM file could not be parsed (${message})`, thrown);
  }
  const transferSyntax = rawSyntax ?? dataSet.string('x00020010') ?? TS.implicitLittle;
  return { dataSet, transferSyntax };
}
