// Python's round(x, ndigits) for floats: the decimal nearest to the exact binary value, ties to
// even. (Number.prototype.toFixed breaks exact ties upwards: round(0.125, 2) is 0.12 in Python,
// (0.125).toFixed(2) is "0.13".) transformers rounds logged losses and epochs this way.
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x)) return x;
  const fixed = x.toFixed(ndigits);
  // The exact decimal expansion of a double needs at most ~1074 digits; 100 covers |x| >= 1e-70
  // at the precision that decides a tie for ndigits <= 20.
  const exact = Math.abs(x).toFixed(100);
  const point = exact.indexOf('.');
  const rest = exact.slice(point + 1 + ndigits);
  if (!/^50*$/.test(rest)) return Number(fixed);
  const kept = exact.slice(0, point + 1 + ndigits);
  const lastDigit = Number(kept[kept.length - 1] === '.' ? kept[kept.length - 2] : kept[kept.length - 1]);
  const down = Number(kept.endsWith('.') ? kept.slice(0, -1) : kept);
  const up = down + 10 ** -ndigits;
  const even = lastDigit % 2 === 0 ? down : Number(up.toFixed(ndigits));
  return Math.sign(x) * even;
}
