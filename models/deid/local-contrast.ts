/**
 * Local contrast of a grey image (pure): each pixel minus the mean of its neighbourhood (a box of `radius`,
 * from an integral image), stretched by `gain` around mid-grey and clamped to [0, 1]. Light text on light
 * anatomy, which the text detector misses on the film as it is, stands out; flat regions go to mid-grey.
 * In: row-major grey [0, 1], its size. Out: a new row-major image of the same size.
 */
export function localContrast(grey: Float32Array, w: number, h: number, radius: number, gain: number): Float32Array {
  const stride = w + 1;
  const integral = new Float64Array(stride * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    const above = y * stride + 1;
    const here = above + stride;
    for (let x = 0; x < w; x++) {
      row += grey[y * w + x] as number;
      integral[here + x] = (integral[above + x] as number) + row;
    }
  }
  // the window's columns per x, clamped to the image, worked out once
  const left = new Int32Array(w);
  const right = new Int32Array(w);
  for (let x = 0; x < w; x++) {
    left[x] = Math.max(0, x - radius);
    right[x] = Math.min(w, x + radius + 1);
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - radius);
    const y1 = Math.min(h, y + radius + 1);
    const top = y0 * stride;
    const bottom = y1 * stride;
    for (let x = 0; x < w; x++) {
      const x0 = left[x] as number;
      const x1 = right[x] as number;
      const sum =
        (integral[bottom + x1] as number) -
        (integral[top + x1] as number) -
        (integral[bottom + x0] as number) +
        (integral[top + x0] as number);
      const mean = sum / ((x1 - x0) * (y1 - y0));
      out[y * w + x] = Math.min(1, Math.max(0, 0.5 + gain * ((grey[y * w + x] as number) - mean)));
    }
  }
  return out;
}
