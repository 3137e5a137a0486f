/**
 * The line under the film that says what the reader is looking at: zoom (1:1 marked), window, inverted, which
 * image (the full-depth diagnostic one or the 8-bit preview), the unit of lengths, the evidence map's state.
 */
import type { FilmState } from './film-view.ts';

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));

export function infoText(s: FilmState): string {
  const zoom = `${Math.round(s.scale * 100)}%${Math.abs(s.scale - 1) < 0.01 ? ' (1:1)' : ''}`;
  const source =
    s.source === 'diagnostic' ? `${s.bitsStored}-bit diagnostic` : s.source === 'preview' ? '8-bit preview' : '';
  const map = s.hasOverlay
    ? `evidence map ${s.overlay ? `${Math.round(s.opacity * 100)}%` : 'off'}`
    : 'no evidence map';
  return [
    `Zoom ${zoom}`,
    `W ${fmt(s.windowWidth)} L ${fmt(s.windowCenter)}`,
    s.invert ? 'inverted' : '',
    source,
    `lengths in ${s.lengthUnit}`,
    map,
  ]
    .filter(Boolean)
    .join(' · ');
}
