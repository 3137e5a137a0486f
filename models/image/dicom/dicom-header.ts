/**
 * The tags we need, read once from a parsed data set into a plain typed object.
 * In: dicom-parser DataSet. Out: DicomHeader (image geometry, LUTs, descriptive tags, identifiers apart).
 * Bad input: CXR_ERR_DICOM_NO_PIXEL_DATA (no image in the object), CXR_ERR_DICOM_TRUNCATED (an image cut before
 * its Pixel Data), CXR_ERR_DICOM_INVALID (missing/absurd geometry).
 */
import type { DataSet, Element } from 'dicom-parser';
import { imageError } from '../image-errors.ts';
import type { ImageIdentifiers } from '../types.ts';

/** A LUT from a Modality or VOI LUT Sequence item (PS3.3 C.11.1 / C.11.2). */
export interface LookupTable {
  /** First stored value mapped; values below map to data[0], above to the last entry. */
  firstMapped: number;
  bitsPerEntry: number;
  data: Uint16Array;
}

export interface DicomHeader {
  transferSyntax: string;
  rows: number;
  cols: number;
  samplesPerPixel: number;
  planarConfiguration: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: number;
  photometric: string;
  numberOfFrames: number;
  rescaleSlope: number;
  /** Pixel Padding Value (0028,0120), stored-value space; left out of the percentile window. */
  pixelPaddingValue?: number;
  rescaleIntercept: number;
  modalityLut?: LookupTable;
  windowCenter?: number;
  windowWidth?: number;
  voiLutFunction: string;
  voiLut?: LookupTable;
  presentationLutShape?: string;
  modality?: string;
  bodyPart?: string;
  viewPosition?: string;
  /** The other tags that can say the projection (models/image/view-projection.ts). */
  viewCodeMeanings: string[];
  patientOrientation?: string;
  seriesDescription?: string;
  protocolName?: string;
  sopClassUid?: string;
  imageType?: string;
  /** Study Description, Series Description, Protocol Name (for the chest check only; never sent). */
  descriptions: string[];
  identifiers: ImageIdentifiers;
  pixelData: Element;
}

/** SOP classes that carry no pixels: SR and key objects (88.x), presentation states (11.x), encapsulated
 * documents (104.x), raw data/registration/segmentation surfaces (66.x), RT plans and records (481.x),
 * waveforms (9.x), colour palettes (39.x) and the DICOMDIR (Media Storage Directory, PS3.10 7.2). */
const NON_IMAGE_SOP_CLASS = /^1\.2\.840\.10008\.(5\.1\.4\.1\.1\.(88|11|104|66|481|9)\.|5\.1\.4\.39\.|1\.3\.10$)/;

function str(ds: DataSet, tag: string): string | undefined {
  const value = ds.string(tag)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function num(ds: DataSet, tag: string): number | undefined {
  const value = ds.floatString(tag);
  return value === undefined || Number.isNaN(value) ? undefined : value;
}

/** Reads the first item of a LUT sequence (Modality LUT 0028,3000 / VOI LUT 0028,3010). */
function readLut(ds: DataSet, sequenceTag: string, pixelRepresentation: number): LookupTable | undefined {
  const item = ds.elements[sequenceTag]?.items?.[0]?.dataSet;
  const dataElement = item?.elements.x00283006;
  if (!item || !dataElement || !item.elements.x00283002) return undefined;
  const entries = item.uint16('x00283002', 0) || 65536; // PS3.3 C.11.1.1.1: 0 means 2^16
  const rawFirst = item.uint16('x00283002', 1) ?? 0;
  const firstMapped = pixelRepresentation === 1 && rawFirst > 32767 ? rawFirst - 65536 : rawFirst;
  const bitsPerEntry = item.uint16('x00283002', 2) ?? 16;
  const available = Math.floor(dataElement.length / 2);
  const bytes = item.byteArray;
  const useBytes = bitsPerEntry <= 8 && dataElement.length === entries; // 8-bit LUTs packed one per byte (OB)
  const count = useBytes ? entries : Math.min(entries, available);
  if (count === 0) return undefined;
  const data = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    const at = dataElement.dataOffset + (useBytes ? i : 2 * i);
    data[i] = useBytes ? (bytes[at] ?? 0) : (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
  }
  return { firstMapped, bitsPerEntry, data };
}

export function readDicomHeader(ds: DataSet, transferSyntax: string): DicomHeader {
  const pixelData = ds.elements.x7fe00010;
  if (!pixelData && (ds.elements.x7fe00008 || ds.elements.x7fe00009)) {
    throw imageError(
      'CXR_ERR_UNSUPPORTED_PIXEL_FORMAT',
      'Float/Double Float Pixel Data is not read (integer pixels only)',
    );
  }
  if (!pixelData) {
    const sopClass = str(ds, 'x00080016') ?? str(ds, 'x00020002') ?? '';
    // Elements come in tag order (PS3.5 7.1): an element past Columns (0028,0011) without Rows and Columns
    // means the object has no image; with none past it, the file may have been cut between two elements.
    const geometry = ds.elements.x00280010 && ds.elements.x00280011;
    const pastGeometry = Object.keys(ds.elements).some((tag) => tag > 'x00280011');
    if (NON_IMAGE_SOP_CLASS.test(sopClass) || (!geometry && pastGeometry)) {
      const name = sopClass || 'not given';
      throw imageError('CXR_ERR_DICOM_NO_PIXEL_DATA', `the DICOM object (SOP class ${name}) holds no image`);
    }
    throw imageError('CXR_ERR_DICOM_TRUNCATED', 'the DICOM file ends before its Pixel Data (7FE0,0010)');
  }
  const rows = ds.uint16('x00280010') ?? 0;
  const cols = ds.uint16('x00280011') ?? 0;
  const bitsAllocated = ds.uint16('x00280100') ?? 0;
  if (rows === 0 || cols === 0 || ![1, 8, 16, 32].includes(bitsAllocated)) {
    throw imageError(
      'CXR_ERR_DICOM_INVALID',
      `the DICOM image geometry is invalid (rows ${rows}, columns ${cols}, bits allocated ${bitsAllocated})`,
    );
  }
  const bitsStored = Math.min(ds.uint16('x00280101') ?? bitsAllocated, bitsAllocated) || bitsAllocated;
  const pixelRepresentation = ds.uint16('x00280103') ?? 0;
  const frames = ds.intString('x00280008');
  const center = num(ds, 'x00281050');
  const width = num(ds, 'x00281051');
  return {
    transferSyntax,
    rows,
    cols,
    samplesPerPixel: ds.uint16('x00280002') ?? 1,
    planarConfiguration: ds.uint16('x00280006') ?? 0,
    bitsAllocated,
    bitsStored,
    highBit: ds.uint16('x00280102') ?? bitsStored - 1,
    pixelRepresentation,
    photometric: str(ds, 'x00280004')?.toUpperCase() ?? 'MONOCHROME2',
    numberOfFrames: frames !== undefined && frames > 0 ? frames : 1,
    rescaleSlope: num(ds, 'x00281053') || 1,
    pixelPaddingValue: pixelRepresentation === 1 ? ds.int16('x00280120') : ds.uint16('x00280120'),
    rescaleIntercept: num(ds, 'x00281052') ?? 0,
    modalityLut: readLut(ds, 'x00283000', pixelRepresentation),
    ...(center !== undefined && width !== undefined && width > 0 ? { windowCenter: center, windowWidth: width } : {}),
    voiLutFunction: str(ds, 'x00281056')?.toUpperCase() ?? 'LINEAR',
    voiLut: readLut(ds, 'x00283010', pixelRepresentation),
    presentationLutShape: str(ds, 'x20500020')?.toUpperCase(),
    modality: str(ds, 'x00080060')?.toUpperCase(),
    bodyPart: str(ds, 'x00180015')?.toUpperCase(),
    viewPosition: str(ds, 'x00185101')?.toUpperCase(),
    viewCodeMeanings: (ds.elements.x00540220?.items ?? []).flatMap((item) =>
      item.dataSet ? (str(item.dataSet, 'x00080104') ?? []) : [],
    ),
    patientOrientation: str(ds, 'x00200020'),
    seriesDescription: str(ds, 'x0008103e'),
    protocolName: str(ds, 'x00181030'),
    sopClassUid: str(ds, 'x00080016') ?? str(ds, 'x00020002'),
    imageType: ds.string('x00080008')?.toUpperCase(),
    descriptions: ['x00081030', 'x0008103e', 'x00181030'].flatMap((tag) => str(ds, tag) ?? []),
    identifiers: {
      studyInstanceUid: str(ds, 'x0020000d'),
      seriesInstanceUid: str(ds, 'x0020000e'),
      sopInstanceUid: str(ds, 'x00080018'),
      patientId: str(ds, 'x00100020'),
    },
    pixelData,
  };
}
