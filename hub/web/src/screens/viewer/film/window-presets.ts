/**
 * Window presets for a radiograph (pure). Radiographs have no Hounsfield scale — a CR/DX pixel value means
 * different things on different devices — so the presets are positions in the film's own value range (its min to
 * max modality value) rather than the CT numbers of the same names:
 * - `default`: the window the file gives (DICOM Window Center/Width), else the whole range;
 * - `lung`: the darker part of the range, wide (lung markings against air);
 * - `mediastinum`: the brighter part, narrow (soft tissue behind the heart, lines and tubes);
 * - `bone`: the brightest part, moderately wide (ribs, clavicles, spine).
 */
export const PRESETS = ['default', 'lung', 'mediastinum', 'bone'] as const;
export type Preset = (typeof PRESETS)[number];

export interface VoiRange {
  lower: number;
  upper: number;
}

const RELATIVE: Record<Exclude<Preset, 'default'>, { center: number; width: number }> = {
  lung: { center: 0.4, width: 0.7 },
  mediastinum: { center: 0.68, width: 0.3 },
  bone: { center: 0.8, width: 0.45 },
};

export function presetRange(
  preset: Preset,
  range: { min: number; max: number },
  fileWindow?: { center: number; width: number },
): VoiRange {
  const span = Math.max(range.max - range.min, 1e-6);
  if (preset === 'default') {
    if (fileWindow && fileWindow.width > 0) {
      return { lower: fileWindow.center - fileWindow.width / 2, upper: fileWindow.center + fileWindow.width / 2 };
    }
    return { lower: range.min, upper: range.max };
  }
  const { center, width } = RELATIVE[preset];
  const c = range.min + center * span;
  return { lower: c - (width * span) / 2, upper: c + (width * span) / 2 };
}

/** The preset after `current`, for a key that cycles through them. */
export function nextPreset(current: Preset): Preset {
  return PRESETS[(PRESETS.indexOf(current) + 1) % PRESETS.length] as Preset;
}
