/**
 * Laterality markers (a lone "L" or "R" placed by the technologist) may stay on a film: they identify no one
 * and radiologists read with them (docs/viewing.md). Pure helpers: which detected boxes are small enough to be
 * one glyph (only those are read), the CTC greedy decoding of the recogniser's output, and the verdict.
 * The recognised text is used for this decision only: it is never stored, logged or sent.
 */
import type { Box } from './text-boxes.ts';

/** A box that may hold a single character: about as wide as it is tall. */
export function singleGlyphCandidate(box: Box): boolean {
  return box.w <= box.h * 1.6 && box.h >= 8;
}

/**
 * CTC greedy decoding (PaddleOCR's rec head): per time step the best class; repeats collapse, class 0 is the
 * blank, class i is `dictionary[i - 1]`, and one past the dictionary is a space.
 */
export function ctcGreedy(scores: Float32Array, steps: number, classes: number, dictionary: readonly string[]): string {
  let out = '';
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) {
      const s = scores[t * classes + c] ?? 0;
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    if (best !== 0 && best !== previous) out += best - 1 < dictionary.length ? (dictionary[best - 1] ?? '') : ' ';
    previous = best;
  }
  return out;
}

export function isLateralityMarker(text: string): boolean {
  return /^[LR]$/i.test(text.trim());
}
