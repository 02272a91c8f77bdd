// Text generation for people: a prompt in, text out piece by piece as tokens arrive. Tokens are
// decoded together, not one by one: byte-level BPE splits characters across tokens, and a piece
// is released only when it no longer ends in an incomplete character. The clean-up of spaces
// before punctuation is off: it rewrites text already shown (" ." -> ".") as tokens arrive.
import { tensor } from '../creation';
import type { Device } from '../dtype';
import type { GenerationOptions } from '../generation/generate';
import { OPTForCausalLM } from '../models/opt';
import type { PreTrainedModel } from '../models/pretrained';
import type { AnyTokenizer } from '../tokenizers/auto';

export type TextGenerationOptions = Pick<GenerationOptions, 'maxNewTokens' | 'doSample' | 'temperature' | 'topK' | 'topP' | 'repetitionPenalty' | 'seed'>;

/** [async] Yields the generated text in pieces (the prompt not included). */
export async function* generateText(model: PreTrainedModel, tokenizer: AnyTokenizer, prompt: string, o: TextGenerationOptions = {}): AsyncGenerator<string> {
  if (!(model instanceof OPTForCausalLM)) throw new Error(`${model.type} cannot generate text: use a causal language model (OPT)`);
  const ids = tokenizer.encode(prompt);
  const input = tensor([ids], { dtype: 'int64', device: model.parameters()[0].device as Device });
  const generated: number[] = [];
  let shown = '';
  const options = { ...o, ...(tokenizer.eosTokenId != null ? { eosTokenId: tokenizer.eosTokenId } : {}), ...(tokenizer.padTokenId != null ? { padTokenId: tokenizer.padTokenId } : {}) };
  const decode = () => tokenizer.decode(generated, { skipSpecialTokens: true, cleanUpTokenizationSpaces: false });
  try {
    for await (const [token] of model.stream(input, options)) {
      generated.push(token);
      const text = decode();
      // U+FFFD at the end: the last token ends inside a UTF-8 sequence; wait for the rest.
      if (text.endsWith('\uFFFD') || text.length <= shown.length || !text.startsWith(shown)) continue;
      yield text.slice(shown.length);
      shown = text;
    }
    const final = decode();
    if (final.length > shown.length && final.startsWith(shown)) yield final.slice(shown.length);
  } finally {
    input.dispose();
  }
}
