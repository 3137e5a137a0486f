/**
 * A perceptually uniform colour map for activation overlays (pure). Lightness rises linearly in OKLab (Björn
 * Ottosson's perceptual space, 2020) from dark violet to light yellow while the hue turns through blue and green,
 * so equal steps in value look like equal steps in colour and the order reads without a legend's help — unlike
 * the rainbow "jet" map, whose bright bands invent edges. Built once: 256 RGB entries.
 */

function linearToSrgb(c: number): number {
  const v = c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055;
  return Math.round(Math.min(1, Math.max(0, v)) * 255);
}

/** OKLab (L, a, b) to sRGB bytes. */
export function oklabToSrgb(L: number, a: number, b: number): [number, number, number] {
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  return [
    linearToSrgb(4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s),
    linearToSrgb(-1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s),
    linearToSrgb(-0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s),
  ];
}

/** Colour for t in [0, 1]: L 0.30 → 0.93, hue 300° → 100°, chroma 0.13. */
export function perceptualColour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  const L = 0.3 + 0.63 * x;
  const hue = ((300 - 200 * x) * Math.PI) / 180;
  return oklabToSrgb(L, 0.13 * Math.cos(hue), 0.13 * Math.sin(hue));
}

export const COLOURMAP: Uint8Array = (() => {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(perceptualColour(i / 255), i * 3);
  return lut;
})();

/** CSS linear-gradient stops for the legend. */
export function legendGradient(steps = 8): string {
  const stops = Array.from({ length: steps + 1 }, (_, i) => {
    const [r, g, b] = perceptualColour(i / steps);
    return `rgb(${r}, ${g}, ${b}) ${Math.round((i / steps) * 100)}%`;
  });
  return `linear-gradient(to right, ${stops.join(', ')})`;
}
