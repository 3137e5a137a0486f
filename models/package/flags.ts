/** Per-class probabilities by name and the classes flagged by the manifest's thresholds (pure). */
import type { Manifest } from './manifest.ts';

export function probabilitiesByClass(manifest: Manifest, probabilities: ArrayLike<number>): Record<string, number> {
  return Object.fromEntries(manifest.classes.map((name, k) => [name, probabilities[k] ?? Number.NaN]));
}

/** Classes whose probability is at or above their threshold, in manifest order. */
export function flaggedClasses(manifest: Manifest, probabilities: ArrayLike<number>): string[] {
  return manifest.classes.filter((name, k) => (probabilities[k] ?? 0) >= (manifest.thresholds[name]?.threshold ?? 1));
}
