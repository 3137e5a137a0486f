/**
 * The film's toolbar: evidence map (toggle, opacity), window presets, invert, 1:1, zoom, rotate, flip, measure,
 * reset — each button names its key. It acts on whatever FilmView is current (the viewer loads it later).
 */
import { h } from '../../ui/h.ts';
import type { FilmView } from './film/film-view.ts';
import { PRESETS, type Preset } from './film/window-presets.ts';

export interface Toolbar {
  el: HTMLElement;
  overlayToggle: HTMLButtonElement;
  opacity: HTMLInputElement;
  preset: HTMLSelectElement;
  measure: HTMLButtonElement;
}

const PRESET_LABEL: Record<Preset, string> = {
  default: 'Default window',
  lung: 'Lung',
  mediastinum: 'Mediastinum',
  bone: 'Bone',
};

export function createToolbar(
  film: () => FilmView | null,
  toggleOverlay: () => void,
  toggleMeasure: () => void,
): Toolbar {
  const button = (id: string, label: string, title: string, onclick: () => void) =>
    h('button', { class: 'btn', id, type: 'button', title, onclick }, label);
  const overlayToggle = button('heatmap-toggle', 'AI evidence map', 'AI evidence map (h)', toggleOverlay);
  overlayToggle.setAttribute('aria-pressed', 'false');
  const opacity = h('input', {
    type: 'range',
    min: '0',
    max: '100',
    value: '50',
    id: 'heatmap-opacity',
    'aria-label': 'Evidence map opacity',
  });
  opacity.addEventListener('input', () => film()?.setOpacity(Number(opacity.value) / 100));
  const preset = h(
    'select',
    { id: 'window-preset', 'aria-label': 'Window preset (w)' },
    PRESETS.map((p) => h('option', { value: p }, PRESET_LABEL[p])),
  );
  preset.addEventListener('change', () => film()?.preset(preset.value as Preset));
  const measure = button('measure', 'Measure', 'Length (m)', toggleMeasure);
  const el = h(
    'div',
    { class: 'stage-toolbar' },
    overlayToggle,
    h('label', {}, 'Opacity', opacity),
    preset,
    button('invert', 'Invert', 'Invert (v)', () => film()?.invert()),
    button('actual-size', '1:1', 'One film pixel per screen pixel (0)', () => film()?.actualSize()),
    button('zoom-in', '+', 'Zoom in (+)', () => film()?.zoomBy(1.25)),
    button('zoom-out', '−', 'Zoom out (-)', () => film()?.zoomBy(0.8)),
    button('rotate', '⟳', 'Rotate 90° (e)', () => film()?.rotate()),
    button('flip', '⇋', 'Flip left–right (f)', () => film()?.flip()),
    measure,
    button('reset-view', 'Reset', 'Reset view (r)', () => film()?.reset()),
  );
  return { el, overlayToggle, opacity, preset, measure };
}
