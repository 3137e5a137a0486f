/**
 * A minimal DICOM Part 10 writer (explicit VR data sets, little or big endian), for tests that need a file the
 * samples do not have: 16-bit signed pixels, VOI LUT Sequences, split fragments, near-lossless codecs, colour
 * codestreams, objects without pixels.
 * The pixels put in are real (taken from the sample radiographs); only the container is built here.
 */

export type Value = string | number[] | Uint8Array | Item[];
/** A sequence item: its elements. */
export interface Item {
  elements: Element[];
}
export type Element = [tag: number, vr: string, value: Value];

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UN', 'UT', 'UC', 'UR']);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `little`: byte order of the data set being written (the meta group is always little endian, PS3.10 7.1). */
function u16(values: number[], little = true): Uint8Array {
  const out = new Uint8Array(2 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setUint16(2 * i, v & 0xffff, little);
  });
  return out;
}

function u32(values: number[], little = true): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setUint32(4 * i, v >>> 0, little);
  });
  return out;
}

function valueBytes(vr: string, value: Value, little: boolean): Uint8Array {
  if (value instanceof Uint8Array) return value.length % 2 ? concat([value, new Uint8Array(1)]) : value;
  if (typeof value === 'string') {
    const padded = value.length % 2 ? value + (vr === 'UI' ? '\0' : ' ') : value;
    return new TextEncoder().encode(padded);
  }
  if (vr === 'SQ') {
    const items = (value as Item[]).map((item) => {
      const body = concat(item.elements.map((e) => encodeElement(e, little)));
      return concat([u16([0xfffe, 0xe000], little), u32([body.length], little), body]);
    });
    return concat(items);
  }
  if (vr === 'UL') return u32(value as number[], little);
  return u16(value as number[], little); // US, SS, and 16-bit LUT data (OW)
}

function encodeElement([tag, vr, value]: Element, little = true): Uint8Array {
  const bytes = valueBytes(vr, value, little);
  const head = concat([u16([tag >>> 16, tag & 0xffff], little), new TextEncoder().encode(vr)]);
  return LONG_VRS.has(vr)
    ? concat([head, u16([0], little), u32([bytes.length], little), bytes])
    : concat([head, u16([bytes.length], little), bytes]);
}

/** Encapsulated Pixel Data (PS3.5 A.4): empty Basic Offset Table, then one item per fragment. */
function encapsulated(fragments: Uint8Array[]): Uint8Array {
  const items = fragments.map((f) => {
    const even = f.length % 2 ? concat([f, new Uint8Array(1)]) : f;
    return concat([u16([0xfffe, 0xe000]), u32([even.length]), even]);
  });
  return concat([
    u16([0x7fe0, 0x0010]),
    new TextEncoder().encode('OB'),
    u16([0]),
    u32([0xffffffff]),
    u16([0xfffe, 0xe000]),
    u32([0]),
    ...items,
    u16([0xfffe, 0xe0dd]),
    u32([0]),
  ]);
}

/**
 * A Part 10 file: preamble, meta group, the data set elements (sorted), then pixel data (none when null).
 * The meta group's Media Storage SOP Class is the one given, else the data set's SOP Class, else DX.
 * Explicit VR Big Endian (1.2.840.10008.1.2.2) writes the data set big endian; OW pixel bytes go as given.
 */
export function writeDicom(
  transferSyntax: string,
  elements: Element[],
  pixelData: Uint8Array | Uint8Array[] | null,
  mediaStorageSopClass?: string,
): Uint8Array {
  const sopClass = elements.find(([tag]) => tag === 0x00080016)?.[2];
  const meta = concat(
    (
      [
        [0x00020001, 'OB', Uint8Array.from([0, 1])],
        [
          0x00020002,
          'UI',
          mediaStorageSopClass ?? (typeof sopClass === 'string' ? sopClass : '1.2.840.10008.5.1.4.1.1.1.1'),
        ],
        [0x00020003, 'UI', '1.2.3.4.5.6.7.8.9'],
        [0x00020010, 'UI', transferSyntax],
        [0x00020012, 'UI', '1.2.3.4'],
      ] as Element[]
    ).map((e) => encodeElement(e)),
  );
  const little = transferSyntax !== '1.2.840.10008.1.2.2';
  const sorted = [...elements].sort((a, b) => a[0] - b[0]);
  const pixels =
    pixelData === null
      ? new Uint8Array(0)
      : Array.isArray(pixelData)
        ? encapsulated(pixelData)
        : encodeElement([0x7fe00010, 'OW', pixelData], little);
  return concat([
    new Uint8Array(128),
    new TextEncoder().encode('DICM'),
    encodeElement([0x00020000, 'UL', [meta.length]]),
    meta,
    ...sorted.map((e) => encodeElement(e, little)),
    pixels,
  ]);
}

/** Image Pixel module + modality tags for a grey image. */
export function greyImageElements(o: {
  rows: number;
  cols: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  photometric?: string;
  extra?: Element[];
}): Element[] {
  return [
    [0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.1.1'],
    [0x00080060, 'CS', 'DX'],
    [0x00180015, 'CS', 'CHEST'],
    [0x00280002, 'US', [1]],
    [0x00280004, 'CS', o.photometric ?? 'MONOCHROME2'],
    [0x00280010, 'US', [o.rows]],
    [0x00280011, 'US', [o.cols]],
    [0x00280100, 'US', [o.bitsAllocated]],
    [0x00280101, 'US', [o.bitsStored]],
    [0x00280102, 'US', [o.bitsStored - 1]],
    [0x00280103, 'US', [o.signed ? 1 : 0]],
    ...(o.extra ?? []),
  ];
}
