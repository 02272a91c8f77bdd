// Text generation for people: a prompt in, text out piece by piece as tokens arrive (the
// tokenizers' IncrementalDecoder, which the server uses too).
import { tensor } from '../creation';
import type { Device } from '../dtype';
import type { GenerationOptions } from '../generation/generate';
import { OPTForCausalLM } from '../models/opt';
import type { PreTrainedModel } from '../models/pretrained';
import type { AnyTokenizer } from '../tokenizers/auto';
import { IncrementalDecoder } from '../tokenizers/incremental-decoder';

export type TextGenerationOptions = Pick<GenerationOptions, 'maxNewTokens' | 'doSample' | 'temperature' | 'topK' | 'topP' | 'repetitionPenalty' | 'seed'>;

/** [async] Yields the generated text in pieces (the prompt not included). */
export async function* generateText(model: PreTrainedModel, tokenizer: AnyTokenizer, prompt: string, o: TextGenerationOptions = {}): AsyncGenerator<string> {
  if (!(model instanceof OPTForCausalLM)) throw new Error(`${model.type} cannot generate text: use a causal language model (OPT)`);
  const ids = tokenizer.encode(prompt);
  const input = tensor([ids], { dtype: 'int64', device: model.parameters()[0].device as Device });
  const decoder = new IncrementalDecoder(tokenizer);
  const options = { ...o, ...(tokenizer.eosTokenId != null ? { eosTokenId: tokenizer.eosTokenId } : {}), ...(tokenizer.padTokenId != null ? { padTokenId: tokenizer.padTokenId } : {}) };
  try {
    for await (const [token] of model.stream(input, options)) {
      const piece = decoder.push(token);
      if (piece) yield piece;
    }
    const rest = decoder.flush();
    if (rest) yield rest;
  } finally {
    input.dispose();
  }
}
