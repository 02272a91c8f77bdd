/**
 * AutoTokenizer: picks the tokenizer class a model folder needs, like transformers'
 * AutoTokenizer.from_pretrained (tokenizer_config.json's tokenizer_class, else the files).
 */
import { BertTokenizer } from './bert';
import { GPT2Tokenizer } from './gpt2';
import { loadTokenizerSpec } from './loader';
import type { BertTokenizerOptions, GPT2TokenizerOptions } from './types';
import { describeValue } from './validate';

export type AnyTokenizer = BertTokenizer | GPT2Tokenizer;

export const AutoTokenizer = {
  /**
   * [async] Loads the tokenizer of a model folder, or of a hub id found in the local
   * HuggingFace cache. `overrides` replace what the folder's config says (camelCase names).
   */
  async fromPretrained(
    dirOrId: string,
    overrides: Partial<BertTokenizerOptions> | Partial<GPT2TokenizerOptions> = {},
  ): Promise<AnyTokenizer> {
    if (typeof dirOrId !== 'string') {
      throw new TypeError(`AutoTokenizer.fromPretrained(): expected a folder path or hub id, got ${describeValue(dirOrId)}`);
    }
    const spec = await loadTokenizerSpec(dirOrId);
    if (spec.kind === 'bert') return new BertTokenizer({ ...(spec.options as BertTokenizerOptions), ...overrides });
    return new GPT2Tokenizer({ ...(spec.options as GPT2TokenizerOptions), ...(overrides as Partial<GPT2TokenizerOptions>) });
  },
};
