// Text generation for causal LMs with a key/value cache: greedy or sampled, left-padded
// batches, stopping at EOS per row (finished rows continue with the pad token), as
// transformers' generate() does.
import { native } from '../binding';
import { cat, ones } from '../creation';
import { withCallerStack } from '../errors';
import { moduleHandle } from '../nn/module';
import { checkAdapterNames } from '../models/adapter-names';
import type { PreTrainedModel } from '../models/pretrained';
import { checkSeed, manualSeed } from '../runtime';
import { noGrad, tidy } from '../scope';
import { handleOf, type Tensor, wrap } from '../tensor';
import type { Device } from '../dtype';
import { expectBool, expectInt, expectNumber, expectOptions, invalid } from '../validate';
import { repetitionPenalty, temperature, topK, topP } from './processors';

export interface GenerationOptions {
  attentionMask?: Tensor;
  maxNewTokens?: number;
  doSample?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  eosTokenId?: number;
  padTokenId?: number;
  /** Seeds libtorch's generator before sampling, for reproducible output. */
  seed?: number;
  /** Called after every step with the new token of each row ([batch]). */
  onToken?: (tokens: number[], step: number) => void;
  /** Also return the processed scores of every step ([batch, vocab] each). */
  outputScores?: boolean;
  /**
   * PEFT's adapter_names: the adapter each row generates with ('__base__' for none), all rows in
   * one batched step (mixed-adapter batch). Inference only: eval mode, no merged adapters.
   */
  adapterNames?: string[];
}

const INTEGER_DTYPES: readonly string[] = ['int64', 'int32', 'int16', 'int8', 'uint8'];

const OPTION_NAMES = ['attentionMask', 'maxNewTokens', 'doSample', 'temperature', 'topK', 'topP', 'repetitionPenalty', 'eosTokenId', 'padTokenId', 'seed', 'onToken', 'outputScores', 'adapterNames'] as const;

interface Settings {
  maxNewTokens: number; doSample: boolean; temperature: number; topK: number; topP: number;
  repetitionPenalty: number; eosTokenId: number | null; padTokenId: number; onToken?: GenerationOptions['onToken'];
}

function settings(model: PreTrainedModel, o: Partial<GenerationOptions>): Settings {
  const cfg = (key: string) => model.config.get<number | null>(key);
  const s: Settings = {
    maxNewTokens: expectInt('maxNewTokens', o.maxNewTokens ?? 20, 1),
    doSample: expectBool('doSample', o.doSample ?? false),
    temperature: expectNumber('temperature', o.temperature ?? 1),
    topK: expectInt('topK', o.topK ?? 50, 0),
    topP: expectNumber('topP', o.topP ?? 1),
    repetitionPenalty: expectNumber('repetitionPenalty', o.repetitionPenalty ?? 1),
    eosTokenId: o.eosTokenId ?? cfg('eos_token_id') ?? null,
    padTokenId: o.padTokenId ?? cfg('pad_token_id') ?? cfg('eos_token_id') ?? 0,
    onToken: o.onToken,
  };
  if (!(s.temperature > 0)) invalid('temperature', 'a number > 0', s.temperature);
  if (!(s.topP > 0 && s.topP <= 1)) invalid('topP', 'a number in (0, 1]', s.topP);
  if (!(s.repetitionPenalty > 0)) invalid('repetitionPenalty', 'a number > 0', s.repetitionPenalty);
  if (o.onToken !== undefined && typeof o.onToken !== 'function') invalid('onToken', 'a function', o.onToken);
  return s;
}

function chooseNext(logits: Tensor, ids: Tensor, s: Settings): { next: Tensor; scores: Tensor } {
  let scores = repetitionPenalty(logits, ids, s.repetitionPenalty);
  if (!s.doSample) return { next: scores.argmax(-1), scores };
  scores = topP(topK(temperature(scores, s.temperature), s.topK), s.topP);
  return { next: scores.softmax(-1).multinomial(1).squeeze(1), scores };
}

/**
 * [async] Generates up to maxNewTokens after inputIds; returns [batch, input + new] ids. The model
 * is held from the call until the promise settles: structural changes (setAdapter, merge, to(),
 * ...) fail with BusyError meanwhile, so every token comes from the same model.
 */
export async function generate(model: PreTrainedModel, inputIds: Tensor, options?: GenerationOptions): Promise<{ sequences: Tensor; scores?: Tensor[] }> {
  const lease = native.moduleHold(moduleHandle(model), 'generate()');
  try {
    return await generateHeld(model, inputIds, options);
  } finally {
    native.moduleRelease(lease);
  }
}

async function generateHeld(model: PreTrainedModel, inputIds: Tensor, options?: GenerationOptions): Promise<{ sequences: Tensor; scores?: Tensor[] }> {
  const o = expectOptions('generate', options, OPTION_NAMES);
  handleOf(inputIds, 'generate(inputIds)');
  if (inputIds.ndim !== 2) invalid('generate(inputIds)', 'a [batch, seq_len] tensor', inputIds.shape);
  // Ids are converted to int64 below; a float tensor would be truncated silently.
  if (!INTEGER_DTYPES.includes(inputIds.dtype)) invalid('generate(inputIds)', `an integer tensor of token ids (${INTEGER_DTYPES.join(', ')})`, inputIds.dtype);
  const s = settings(model, o);
  const adapterNames = o.adapterNames === undefined ? null : checkAdapterNames(model, o.adapterNames, inputIds.shape[0], 'generate: adapterNames');
  if (o.seed !== undefined) manualSeed(checkSeed('generate: seed', o.seed));
  const cache = native.generationCache();
  const batch = inputIds.shape[0];
  const device = inputIds.device as Device;
  let ids = inputIds.to('int64');
  let mask = o.attentionMask ? o.attentionMask.to({ dtype: 'int64', device }) : ones(inputIds.shape, { dtype: 'int64', device });
  let unfinished = ones([batch], { dtype: 'int64', device });
  let step = ids;
  const scores: Tensor[] = [];
  for (let i = 0; i < s.maxNewTokens; i++) {
    const logits = wrap(await withCallerStack(native.generationStepAsync(moduleHandle(model), cache, handleOf(step), handleOf(mask), adapterNames)));
    const result = noGrad(() => tidy(() => {
      const { next, scores: processed } = chooseNext(logits, ids, s);
      // Finished rows keep emitting the pad token, as transformers does.
      const token = next.mul(unfinished).add(unfinished.mul(-1).add(1).mul(s.padTokenId));
      // A copy: processed may be the step's logits themselves, which are freed below.
      return { token: token.unsqueeze(1), processed: o.outputScores ? processed.clone() : null };
    }));
    logits.dispose();
    if (result.processed) scores.push(result.processed);
    const previous = [ids, mask, step];
    ids = cat([ids, result.token], 1);
    mask = tidy(() => cat([mask, ones([batch, 1], { dtype: 'int64', device })], 1));
    step = result.token;
    // Free each step's intermediates now rather than at the next GC (the caller's inputs stay).
    for (const t of previous) if (t !== inputIds && t !== o.attentionMask) t.dispose();
    if (s.onToken) s.onToken(tidy(() => result.token.squeeze(1).toArray() as number[]), i);
    if (s.eosTokenId !== null) {
      const before = unfinished;
      const eos = s.eosTokenId;
      unfinished = tidy(() => before.mul(result.token.squeeze(1).ne(eos).to('int64')));
      before.dispose();
    }
    if (tidy(() => unfinished.max().item()) === 0) break;
  }
  // The last step's tensors (never the returned ids, nor the caller's inputs).
  for (const t of [mask, unfinished, step]) if (t !== ids && t !== inputIds && t !== o.attentionMask) t.dispose();
  return o.outputScores ? { sequences: ids, scores } : { sequences: ids };
}

/** [async] The same generation as an async iterator of per-step tokens ([batch] each). */
export async function* streamGenerate(model: PreTrainedModel, inputIds: Tensor, options?: Omit<GenerationOptions, 'onToken'>): AsyncGenerator<number[]> {
  const queue: number[][] = [];
  let wake: (() => void) | null = null;
  let done = false;
  let failure: unknown = null;
  generate(model, inputIds, { ...options, onToken: (t) => { queue.push(t); wake?.(); } })
    .catch((err) => { failure = err; })
    .finally(() => { done = true; wake?.(); });
  while (true) {
    if (queue.length > 0) { yield queue.shift()!; continue; }
    if (failure) throw failure;
    if (done) return;
    await new Promise<void>((resolve) => { wake = resolve; });
    wake = null;
  }
}

