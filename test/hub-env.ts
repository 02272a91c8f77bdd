// The HuggingFace cache variables cleared before each test of the calling describe block and
// restored after it, so that neither the real environment nor another test's cache takes part.
import { afterEach, beforeEach } from 'vitest';

const HUB_ENV_KEYS = ['HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'TRANSFORMERS_CACHE', 'HF_HOME', 'XDG_CACHE_HOME'];

/** Call inside a describe block, before the block's own beforeEach that sets the variables it wants. */
export function isolateHubEnv(): void {
  let saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    saved = Object.fromEntries(HUB_ENV_KEYS.map((k) => [k, process.env[k]]));
    for (const k of HUB_ENV_KEYS) delete process.env[k];
  });
  afterEach(() => {
    for (const k of HUB_ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
}
