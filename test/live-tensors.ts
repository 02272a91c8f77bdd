// Leak tests count native tensors (liveTensorCount). Tensors left to the garbage collector by
// earlier tests are freed whenever V8 collects, which would lower the count in the middle of a
// measurement; settle first, then count without collecting: a tensor the code under test forgot
// to dispose is still alive right after it returns.
import v8 from 'v8';
import vm from 'vm';
import { liveTensorCount } from '../lib';

/** global.gc (vitest.config.ts runs the workers with --expose-gc), else the same function got at run time (Stryker's worker threads). */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** The live tensor count once earlier garbage has been collected and its finalizers have run. */
export async function settledLiveTensorCount(): Promise<number> {
  const gc = collector();
  for (let i = 0; i < 2; i++) {
    gc();
    // Node runs N-API finalizers from the event loop, after the collection.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return liveTensorCount();
}
