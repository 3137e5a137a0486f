/**
 * DICOM Part 10 bytes from a naturalized dataset (dcmjs), and the UIDs the clinic's DICOM objects get.
 * UIDs are derived from what they name (`2.25.<128 bits of sha256>`, PS3.5 B.2), so sending the same report
 * again gives the same SOP Instance UID and a PACS keeps one copy.
 */
import { createHash } from 'node:crypto';
import dcmjs from 'dcmjs';

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const BASIC_TEXT_SR = '1.2.840.10008.5.1.4.1.1.88.11';
export const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
/** This implementation's class UID, derived like the others (PS3.7 D.3.3.2). */
export const IMPLEMENTATION_CLASS_UID = uidFor('cxr-edge implementation');
export const IMPLEMENTATION_VERSION = 'CXR_EDGE_1';

/** A UID under the 2.25 root from a stable name: same name, same UID. */
export function uidFor(name: string): string {
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 32);
  return `2.25.${BigInt(`0x${digest}`).toString(10)}`;
}

/** DICOM DA and TM of an instant (UTC). */
export function dicomDateTime(date: Date): { date: string; time: string; dateTime: string } {
  const iso = date.toISOString();
  const d = iso.slice(0, 10).replace(/-/g, '');
  const t = iso.slice(11, 19).replace(/:/g, '');
  return { date: d, time: t, dateTime: `${d}${t}` };
}

/** The File Meta Information of one instance (PS3.10 7.1). */
export function fileMeta(sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string, sourceAe?: string) {
  return {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION,
    ...(sourceAe ? { SourceApplicationEntityTitle: sourceAe } : {}),
  };
}

/** Preamble + "DICM" + meta + dataset, explicit VR little endian. */
export function part10(dataset: Record<string, unknown> & { SOPClassUID: string; SOPInstanceUID: string }): Buffer {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const dict = new DicomDict(
    DicomMetaDictionary.denaturalizeDataset(
      fileMeta(dataset.SOPClassUID, dataset.SOPInstanceUID, EXPLICIT_VR_LITTLE_ENDIAN),
    ),
  );
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(dict.write());
}

/**
 * Only the preamble, "DICM" and the meta group: what goes in front of a dataset received over the network
 * (in its negotiated transfer syntax) to make it a Part 10 file.
 */
export function part10Header(sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string, sourceAe: string) {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const dict = new DicomDict(
    DicomMetaDictionary.denaturalizeDataset(fileMeta(sopClassUid, sopInstanceUid, transferSyntaxUid, sourceAe)),
  );
  return Buffer.from(dict.write());
}

/** Parses Part 10 bytes back into a naturalized dataset (tests and the PACS sender's checks). */
export function readPart10(bytes: Uint8Array): Record<string, unknown> {
  const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return DicomMetaDictionary.naturalizeDataset(DicomMessage.readFile(copy).dict);
}
