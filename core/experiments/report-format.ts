/** Numbers in the experiment report's sentences: three decimals, a real minus sign (−), differences signed. */

const isZero = (v: number) => v.toFixed(3) === '0.000' || v.toFixed(3) === '-0.000';

/** −0.011, 0.007 (a minus sign, no plus). */
export const num3 = (v: number) => (v < 0 && !isZero(v) ? `−${Math.abs(v).toFixed(3)}` : Math.abs(v).toFixed(3));

/** +0.041, −0.002, 0.000 (a difference). */
export const signed3 = (v: number) => (isZero(v) ? '0.000' : `${v > 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`);
