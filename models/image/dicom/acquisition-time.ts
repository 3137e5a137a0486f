/**
 * When a DICOM image was acquired (pure). In: a parsed data set. Out: a Date, or undefined when the header
 * does not say. Order of preference (PS3.3 C.7.6.1 / C.12.1): Acquisition DateTime (0008,002A), Acquisition
 * Date + Time (0008,0022/0032), Content Date + Time (0008,0023/0033). A DT value's own offset (`&ZZXX`) wins,
 * else Timezone Offset From UTC (0008,0201), else the agent's local time zone (a modality's clock is the
 * clinic's). Malformed values count as absent. The time is PHI-adjacent: it travels only as the result's
 * `acquiredAt` (the hub measures waiting time from it) and is never logged.
 */
import type { DataSet } from 'dicom-parser';

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
  offsetMin?: number;
}

function offsetMinutes(value: string | undefined): number | undefined {
  const m = /^([+-])(\d{2})(\d{2})$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return minutes > 14 * 60 ? undefined : (m[1] === '-' ? -1 : 1) * minutes;
}

/** DA "YYYYMMDD" + TM "HHMMSS.FFFFFF" (minutes and seconds optional), or DT with an optional "&ZZXX" offset. */
export function parseDicomDateTime(date: string, time = '', zone?: string): Parts | undefined {
  const dm = /^(\d{4})(\d{2})(\d{2})$/.exec(date.trim());
  const tm = /^(\d{2})(\d{2})?(\d{2})?(?:\.(\d{1,6}))?$/.exec(time.trim() === '' ? '00' : time.trim());
  if (!dm || !tm) return undefined;
  const parts: Parts = {
    y: Number(dm[1]),
    mo: Number(dm[2]),
    d: Number(dm[3]),
    h: Number(tm[1]),
    mi: Number(tm[2] ?? 0),
    s: Number(tm[3] ?? 0),
    ms: Math.floor(Number(`0.${tm[4] ?? '0'}`) * 1000),
  };
  const valid =
    parts.mo >= 1 && parts.mo <= 12 && parts.d >= 1 && parts.d <= 31 && parts.h < 24 && parts.mi < 60 && parts.s < 61;
  if (!valid) return undefined;
  const offsetMin = offsetMinutes(zone);
  return offsetMin === undefined ? parts : { ...parts, offsetMin };
}

function toDate(p: Parts): Date {
  if (p.offsetMin === undefined) return new Date(p.y, p.mo - 1, p.d, p.h, p.mi, p.s, p.ms);
  return new Date(Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s, p.ms) - p.offsetMin * 60_000);
}

function splitDt(dt: string): { date: string; time: string; zone?: string } | undefined {
  const m = /^(\d{8})(\d{2,6}(?:\.\d{1,6})?)?([+-]\d{4})?$/.exec(dt.trim());
  if (!m) return undefined;
  return { date: m[1] as string, time: m[2] ?? '', ...(m[3] ? { zone: m[3] } : {}) };
}

export function acquisitionTime(ds: Pick<DataSet, 'string'>): Date | undefined {
  const zone = ds.string('x00080201');
  const candidates: Array<() => Parts | undefined> = [
    () => {
      const dt = splitDt(ds.string('x0008002a') ?? '');
      return dt && parseDicomDateTime(dt.date, dt.time, dt.zone ?? zone);
    },
    () => parseDicomDateTime(ds.string('x00080022') ?? '', ds.string('x00080032') ?? '', zone),
    () => parseDicomDateTime(ds.string('x00080023') ?? '', ds.string('x00080033') ?? '', zone),
  ];
  for (const candidate of candidates) {
    const parts = candidate();
    if (parts) {
      const date = toDate(parts);
      if (!Number.isNaN(date.getTime())) return date;
    }
  }
  return undefined;
}

/**
 * Whether an acquisition time is believable next to when the agent first saw the file: not after it (5 min of
 * clock skew allowed) and not more than `maxAgeDays` before it. A modality with an unset clock (year 2000)
 * must not make a study look 26 years old, so an implausible time is ignored and arrival time is used.
 */
export function plausibleAcquisition(acquired: Date | undefined, received: Date, maxAgeDays = 30): Date | undefined {
  if (!acquired) return undefined;
  const ageMs = received.getTime() - acquired.getTime();
  return ageMs >= -5 * 60_000 && ageMs <= maxAgeDays * 86_400_000 ? acquired : undefined;
}
