/**
 * Python's rounding and integer semantics, so the seed's scaling rules (written in Python) are
 * reproduced exactly: `round()` rounds half to even, `int()` truncates toward zero, `//` floors.
 */

/** Python 3 `round(x)`: nearest integer, ties to even. */
export function pyRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Python 3 `round(x, digits)` for the few decimal places the seed uses (half to even on the scaled value). */
export function pyRoundTo(x: number, digits: number): number {
  const scale = 10 ** digits;
  // Python rounds the exact binary value; for 3 places the scaled value is never an exact tie in practice.
  return pyRound(Number((x * scale).toPrecision(15))) / scale;
}

/** Python `int(x)`: truncation toward zero. */
export function pyInt(x: number): number {
  return Math.trunc(x);
}

/** Python `a // b` on integers: floor division. */
export function pyFloorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}
