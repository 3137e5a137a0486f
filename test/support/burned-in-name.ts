/**
 * Draws a synthetic patient name and birth date into a grey film, as a modality burns it in (white text in a
 * corner or along an edge), for the de-identification tests and bench/viewing.ts. In: 8-bit grey pixels, the
 * size, a seeded random source. Out: the new pixels, the text's ink mask (pixels the text changed) and the
 * box it was drawn in. Text is rendered by librsvg (inside sharp) with the DejaVu fonts from Debian.
 */
import sharp from 'sharp';

const FIRST = ['JOHN', 'MARIA', 'AHMED', 'LI', 'FATIMA', 'PETER', 'ANNA', 'JOSE', 'AMINA', 'IVAN', 'SARAH', 'KOFI'];
const LAST = ['DOE', 'SMITH', 'GARCIA', 'NGUYEN', 'OKAFOR', 'MUELLER', 'KOWALSKI', 'HASSAN', 'TANAKA', 'SILVA'];
const PLACES = ['top-left', 'top-right', 'bottom-left', 'bottom-right', 'top', 'bottom', 'left'] as const;

export interface DrawnName {
  pixels: Uint8Array;
  ink: Uint8Array;
  box: { x: number; y: number; w: number; h: number };
  place: (typeof PLACES)[number];
}

export async function drawName(
  grey: Uint8Array,
  width: number,
  height: number,
  random: () => number,
  at?: (typeof PLACES)[number],
): Promise<DrawnName> {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const name = `${pick(LAST)}^${pick(FIRST)}  ${1930 + Math.floor(random() * 80)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`;
  const size = Math.max(9, Math.round(height * (0.025 + 0.015 * random())));
  const place = at ?? pick(PLACES);
  const margin = Math.round(height * 0.03);
  const textWidth = Math.round(size * 0.62 * name.length);
  const left = place.endsWith('left') || place === 'left';
  const right = place.endsWith('right');
  const x = left ? margin : right ? width - margin - textWidth : Math.round((width - textWidth) / 2);
  const top = place.startsWith('top');
  const y = top ? margin + size : place === 'left' ? Math.round(height / 2) : height - margin;
  const shade = 200 + Math.floor(random() * 56);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><text x="${x}" y="${y}" font-family="DejaVu Sans" font-size="${size}" fill="rgb(${shade},${shade},${shade})">${name}</text></svg>`;
  const { data } = await sharp(Buffer.from(grey), { raw: { width, height, channels: 1 } })
    .composite([{ input: Buffer.from(svg) }])
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = new Uint8Array(data.buffer, data.byteOffset, width * height);
  const ink = new Uint8Array(width * height);
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let i = 0; i < ink.length; i++) {
    if (pixels[i] === grey[i]) continue;
    ink[i] = 1;
    const px = i % width;
    const py = (i - px) / width;
    x0 = Math.min(x0, px);
    y0 = Math.min(y0, py);
    x1 = Math.max(x1, px);
    y1 = Math.max(y1, py);
  }
  return { pixels, ink, box: { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 }, place };
}

/** A small seeded generator (mulberry32) so a drawn film is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
