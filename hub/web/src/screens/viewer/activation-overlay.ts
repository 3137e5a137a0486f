/**
 * The activation overlay for one finding class: the agent's grid (one byte per cell over the whole film; 0 =
 * below the class's operating point, 1–255 = up to the strongest evidence on this film) coloured with the
 * perceptually uniform map into a small canvas the image view scales over the film (bilinear), cells at 0 left
 * transparent so only meaningful evidence is drawn, and opacity rising with the evidence so the strongest regions
 * stand out over the film; and its legend (class, probability, what the ends mean).
 */
import type { ActivationBody } from '../../api/types.ts';
import { COLOURMAP, legendGradient } from '../../ui/colormap.ts';
import { h } from '../../ui/h.ts';

export function decodeLevels(base64: string): Uint8Array {
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

export function overlayCanvas(activation: ActivationBody, finding: string): HTMLCanvasElement | null {
  const map = activation.maps[finding];
  if (map === undefined) return null;
  const levels = decodeLevels(map);
  if (levels.length !== activation.width * activation.height) return null;
  const canvas = document.createElement('canvas');
  canvas.width = activation.width;
  canvas.height = activation.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  const image = ctx.createImageData(activation.width, activation.height);
  levels.forEach((level, i) => {
    if (level === 0) return;
    image.data[i * 4] = COLOURMAP[level * 3] as number;
    image.data[i * 4 + 1] = COLOURMAP[level * 3 + 1] as number;
    image.data[i * 4 + 2] = COLOURMAP[level * 3 + 2] as number;
    image.data[i * 4 + 3] = Math.round(64 + (191 * level) / 255);
  });
  ctx.putImageData(image, 0, 0);
  return canvas;
}

export function legend(finding: string, percent: string, operatingPoint: string): HTMLElement {
  return h(
    'div',
    { class: 'legend', id: 'activation-legend' },
    h('div', { class: 'legend-title' }, `AI evidence for ${finding} · ${percent}`),
    h('div', { class: 'legend-bar', style: `background: ${legendGradient()}` }),
    h(
      'div',
      { class: 'legend-ends' },
      h('span', {}, 'at the operating point'),
      h('span', {}, 'strongest on this film'),
    ),
    h(
      'div',
      { class: 'legend-note' },
      `Drawn only where local evidence reaches the operating point (${operatingPoint}).`,
    ),
  );
}
