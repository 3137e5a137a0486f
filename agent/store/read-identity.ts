/**
 * Who and what a scored file is, as the clinic knows it (pure). In: the file's bytes and its path. Out: a
 * `LocalIdentity`: patient name, ID, birth date and sex, accession number, study date/time/description, the
 * study/series/SOP instance UIDs and the SOP class. PHI: it is kept in the agent's local store only
 * (identity-store.ts) and never logged or sent. PNG/JPEG files carry no tags: their identity is the file name.
 * Bad input: a DICOM that cannot be parsed gives an identity with the file name only (the reader stage has
 * already accepted the file, so this does not happen in practice); nothing throws.
 */
import { basename } from 'node:path';
import type { DataSet } from 'dicom-parser';
import { parseDicom } from '../../models/image/dicom/parse-dicom.ts';
import { sniffFormat } from '../../models/image/sniff-format.ts';

export interface LocalIdentity {
  patientName?: string;
  patientId?: string;
  birthDate?: string;
  sex?: string;
  accessionNumber?: string;
  studyDate?: string;
  studyTime?: string;
  studyDescription?: string;
  studyId?: string;
  referringPhysician?: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  sopInstanceUid?: string;
  sopClassUid?: string;
  modality?: string;
  /** The file's name where it was found (for PNG/JPEG the only identity there is). */
  fileName: string;
}

const TAGS = {
  patientName: 'x00100010',
  patientId: 'x00100020',
  birthDate: 'x00100030',
  sex: 'x00100040',
  accessionNumber: 'x00080050',
  studyDate: 'x00080020',
  studyTime: 'x00080030',
  studyDescription: 'x00081030',
  studyId: 'x00200010',
  referringPhysician: 'x00080090',
  studyInstanceUid: 'x0020000d',
  seriesInstanceUid: 'x0020000e',
  sopInstanceUid: 'x00080018',
  sopClassUid: 'x00080016',
  modality: 'x00080060',
} as const satisfies Record<keyof Omit<LocalIdentity, 'fileName'>, string>;

/** PS3.5 6.1.2.5: the character set of the text values; UTF-8 (ISO_IR 192) and Latin-1 are decoded as such. */
function decoderFor(dataSet: DataSet): TextDecoder {
  const charset = dataSet.string('x00080005') ?? '';
  if (charset.includes('ISO_IR 192')) return new TextDecoder('utf-8');
  return new TextDecoder('latin1');
}

function text(dataSet: DataSet, tag: string, decoder: TextDecoder): string | undefined {
  const element = dataSet.elements[tag];
  if (!element || element.length <= 0) return undefined;
  const bytes = dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + element.length);
  const value = decoder
    .decode(bytes)
    .replace(/[\0\s]+$/u, '')
    .trim();
  return value === '' ? undefined : value;
}

export function readIdentity(bytes: Uint8Array, path: string): LocalIdentity {
  const identity: LocalIdentity = { fileName: basename(path) };
  let dataSet: DataSet;
  try {
    const format = sniffFormat(bytes);
    if (format === 'png' || format === 'jpeg') return identity;
    dataSet = parseDicom(bytes, format).dataSet;
  } catch {
    return identity; // the reader stage decides about bad files; an identity is never a reason to fail
  }
  const decoder = decoderFor(dataSet);
  for (const [field, tag] of Object.entries(TAGS) as [keyof typeof TAGS, string][]) {
    const value = text(dataSet, tag, decoder);
    if (value !== undefined) identity[field] = value;
  }
  return identity;
}
