/**
 * The film with the AI's evidence drawn over it, for the clinic's PDF and Secondary Capture. In: the
 * de-identified preview JPEG the agent rendered and the result's activation maps (per finding class a small
 * grid, 0 = no meaningful evidence, 1..255 = from the operating point up to the strongest evidence on this
 * film; agent/screening/activation-map.ts). Out: a JPEG of the film with the map of one finding (the most
 * probable one that has a map) blended over it in a perceptually ordered colour scale, or undefined when there
 * is no map to draw. Bad input (a grid whose size does not match its bytes) draws nothing.
 */
import sharp from 'sharp';
import type { ResultMessage } from '../../protocol/messages.ts';

/** Colour stops of the "inferno" scale (dark purple → orange → pale yellow), sampled at 0, .25, .5, .75, 1. */
const STOPS: readonly (readonly [number, number, number])[] = [
  [40, 11, 84],
  [120, 28, 109],
  [203, 71, 72],
  [249, 142, 9],
  [252, 255, 164],
];

function colour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i] as readonly [number, number, number];
  const b = STOPS[i + 1] as readonly [number, number, number];
  return [0, 1, 2].map((k) => Math.round((a[k] as number) + ((b[k] as number) - (a[k] as number)) * f)) as [
    number,
    number,
    number,
  ];
}

/** The finding whose map is drawn: the most probable class that has a map. */
export function mappedFinding(
  activation: NonNullable<ResultMessage['activation']>,
  probabilities: Readonly<Record<string, number>>,
): string | undefined {
  return Object.keys(activation.maps).sort((a, b) => (probabilities[b] ?? 0) - (probabilities[a] ?? 0))[0];
}

/** Whether any finding's map has a cell with meaningful evidence (else there is nothing to draw). */
export function hasDrawnEvidence(activation: ResultMessage['activation']): boolean {
  if (!activation) return false;
  return Object.values(activation.maps).some((base64) => Buffer.from(base64, 'base64').some((v) => v !== 0));
}

/** RGBA pixels of one grid: 0 cells transparent, others coloured with alpha rising with the evidence. */
export function gridRgba(grid: Uint8Array): Uint8Array {
  const out = new Uint8Array(grid.length * 4);
  for (let i = 0; i < grid.length; i++) {
    const v = grid[i] as number;
    if (v === 0) continue;
    const [r, g, b] = colour(v / 255);
    out.set([r, g, b, Math.round(255 * (0.3 + 0.4 * (v / 255)))], i * 4);
  }
  return out;
}

export async function filmWithEvidence(
  previewJpeg: Buffer,
  activation: ResultMessage['activation'],
  probabilities: Readonly<Record<string, number>>,
): Promise<{ jpeg: Buffer; finding: string } | undefined> {
  if (!activation) return undefined;
  const finding = mappedFinding(activation, probabilities);
  const base64 = finding === undefined ? undefined : activation.maps[finding];
  if (finding === undefined || base64 === undefined) return undefined;
  const grid = new Uint8Array(Buffer.from(base64, 'base64'));
  if (grid.length !== activation.width * activation.height || grid.every((v) => v === 0)) return undefined;
  const film = sharp(previewJpeg);
  const { width, height } = await film.metadata();
  if (!width || !height) return undefined;
  const overlay = await sharp(gridRgba(grid), {
    raw: { width: activation.width, height: activation.height, channels: 4 },
  })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .png()
    .toBuffer();
  const jpeg = await film
    .composite([{ input: overlay, blend: 'over' }])
    .jpeg({ quality: 88 })
    .toBuffer();
  return { jpeg, finding };
}
