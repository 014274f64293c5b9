/**
 * Building network inputs from the prepared row-major matrices, in JavaScript: copying 256 rows
 * into a buffer and uploading it is ~10 µs on wasm, where tf.gather of rows costs ~800 µs.
 */

/**
 * Copies rows `order[start … start+count)` (or start … start+count when order is null) of the
 * modalities in `group` (concatenated side by side) into `out` (count × Σwidths, row-major) and,
 * when given, into `outT` (Σwidths × count, the transpose).
 */
export function packRows(
  x: Float32Array[], widths: number[], group: number[], order: ArrayLike<number> | null,
  start: number, count: number, out: Float32Array, outT?: Float32Array,
): void {
  const total = group.reduce((s, k) => s + widths[k], 0);
  for (let r = 0; r < count; r++) {
    const row = order ? order[start + r] : start + r;
    let col = 0;
    for (const k of group) {
      const w = widths[k];
      const src = x[k];
      const base = row * w;
      out.set(src.subarray(base, base + w), r * total + col);
      if (outT) for (let f = 0; f < w; f++) outT[(col + f) * count + r] = src[base + f];
      col += w;
    }
  }
}
