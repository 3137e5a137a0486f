/**
 * The few header facts that may leave the clinic beside a film (pure). In: a parsed data set and the
 * descriptions the chest check reads. Out: SafeHeader — Burned In Annotation (0028,0301), the pixel spacing
 * in mm with the tag it came from (Pixel Spacing (0028,0030), else Imager Pixel Spacing (0018,1164): PS3.3
 * C.8.11.4.1.1 says the latter is at the detector plane), a 5-year age band, sex and whether the study was a
 * portable (bedside) film. Patient age is read from Patient's Age (0010,1010), else from Patient's Birth
 * Date (0010,0030) and the study/acquisition date; only the band is kept (90 and over is one band, as the
 * HIPAA Safe Harbor rule asks). Malformed values are absent, never an error.
 */
import type { DataSet } from 'dicom-parser';

export interface SafeHeader {
  burnedInAnnotation?: 'YES' | 'NO';
  pixelSpacingMm?: [number, number];
  spacingSource?: 'PixelSpacing' | 'ImagerPixelSpacing';
  /** "0-4", "5-9", …, "85-89", "90+". */
  ageBand?: string;
  sex?: 'M' | 'F' | 'O';
  portable?: boolean;
}

type Header = Pick<DataSet, 'string'>;

function text(ds: Header, tag: string): string | undefined {
  const value = ds.string(tag)?.trim();
  return value ? value : undefined;
}

/** "0.139\0.139" → [0.139, 0.139]; row spacing first (PS3.3 10.7.1.3). */
export function parseSpacing(value: string | undefined): [number, number] | undefined {
  const parts = (value ?? '').split('\\').map((p) => Number(p.trim()));
  if (parts.length !== 2 || !parts.every((p) => Number.isFinite(p) && p > 0 && p < 10)) return undefined;
  return [parts[0] as number, parts[1] as number];
}

/** Age String "nnnD|W|M|Y" (PS3.5 6.2) → whole years. */
export function parseAgeString(value: string | undefined): number | undefined {
  const m = /^(\d{3})([DWMY])$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  const n = Number(m[1]);
  const perYear = { D: 365.25, W: 52.18, M: 12, Y: 1 }[m[2] as 'D' | 'W' | 'M' | 'Y'];
  return Math.floor(n / perYear);
}

function parseDate(value: string | undefined): { y: number; m: number; d: number } | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  const date = { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  return date.m >= 1 && date.m <= 12 && date.d >= 1 && date.d <= 31 ? date : undefined;
}

/** Whole years between a birth date and a later date. */
export function yearsBetween(birth: string | undefined, on: string | undefined): number | undefined {
  const b = parseDate(birth);
  const o = parseDate(on);
  if (!b || !o) return undefined;
  const years = o.y - b.y - (o.m < b.m || (o.m === b.m && o.d < b.d) ? 1 : 0);
  return years >= 0 && years < 130 ? years : undefined;
}

export function ageBand(years: number | undefined): string | undefined {
  if (years === undefined || !(years >= 0) || years >= 130) return undefined;
  if (years >= 90) return '90+';
  const low = Math.floor(years / 5) * 5;
  return `${low}-${low + 4}`;
}

const PORTABLE = /\b(PORTABLE|PORT|MOBILE|BEDSIDE)\b/;

export function readSafeHeader(ds: Header, descriptions: readonly string[]): SafeHeader {
  const burned = text(ds, 'x00280301')?.toUpperCase();
  const pixelSpacing = parseSpacing(text(ds, 'x00280030'));
  const imagerSpacing = parseSpacing(text(ds, 'x00181164'));
  const years =
    parseAgeString(text(ds, 'x00101010')) ??
    yearsBetween(text(ds, 'x00100030'), text(ds, 'x00080020') ?? text(ds, 'x00080022'));
  const band = ageBand(years);
  const sex = text(ds, 'x00100040')?.toUpperCase();
  const portable = descriptions.some((d) => PORTABLE.test(d.toUpperCase()));
  return {
    ...(burned === 'YES' || burned === 'NO' ? { burnedInAnnotation: burned } : {}),
    ...(pixelSpacing
      ? { pixelSpacingMm: pixelSpacing, spacingSource: 'PixelSpacing' as const }
      : imagerSpacing
        ? { pixelSpacingMm: imagerSpacing, spacingSource: 'ImagerPixelSpacing' as const }
        : {}),
    ...(band ? { ageBand: band } : {}),
    ...(sex === 'M' || sex === 'F' || sex === 'O' ? { sex } : {}),
    ...(portable ? { portable } : {}),
  };
}
