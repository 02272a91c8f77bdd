// Settings shared by the property-based tests (fast-check): a fixed seed so that a run replays
// exactly (and mutation testing sees the same cases every time); NODE_PEFT_FC_SEED explores others.
// A failure prints the seed and the shrunk counterexample.
export const SEED = Number(process.env.NODE_PEFT_FC_SEED ?? 20240601);

/** fast-check parameters: the seed above and `numRuns` cases (NODE_PEFT_FC_RUNS multiplies them). */
export function props(numRuns: number): { seed: number; numRuns: number } {
  return { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * Number(process.env.NODE_PEFT_FC_RUNS ?? 1))) };
}
