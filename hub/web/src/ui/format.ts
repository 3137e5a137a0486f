/** Small pure formatters shared by the view models (no DOM: unit-tested under node). */
import type { Tier } from '../api/types.ts';

export function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

export function timeText(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** Seconds as "45s", "12m", "3h 05m", "2d 4h": precise enough to triage by, short enough for a column. */
export function durationText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** Time since `iso` at `nowMs`, as durationText. */
export function ageText(iso: string, nowMs: number): string {
  return durationText((nowMs - Date.parse(iso)) / 1000);
}

export const TIER_LABEL: Readonly<Record<Tier, string>> = {
  urgent: 'Urgent',
  abnormal: 'Abnormal',
  indeterminate: 'Indeterminate',
  'likely-normal': 'Likely normal',
};

/** 1234567 → "1.23 M", 45678 → "45.7 k". */
export function count(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`;
}
