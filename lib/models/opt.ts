// OPT model classes, as transformers names them.
import { generate, streamGenerate, type GenerationOptions } from '../generation/generate';
import type { Tensor } from '../tensor';
import { OPTConfig, type ConfigDict } from './config';
import { PreTrainedModel } from './pretrained';

export const optConfig = (fields: ConfigDict = {}): OPTConfig => new OPTConfig(fields);

export class OPTModel extends PreTrainedModel {
  static readonly family = 'opt' as const;
  static readonly head: string = 'opt';
  static readonly basePrefix = 'model';
}

export class OPTForCausalLM extends PreTrainedModel {
  static readonly family = 'opt' as const;
  static readonly head = 'causal';
  static readonly basePrefix = 'model';

  /** [async] transformers' generate(): returns the input ids followed by the new tokens. */
  async generate(inputIds: Tensor, options?: GenerationOptions): Promise<Tensor> {
    // Scores asked for here would be made and dropped (native memory until GC): generateWithScores returns them.
    if (options !== null && typeof options === 'object' && options.outputScores) {
      throw new TypeError('generate: outputScores returns nothing here; call generateWithScores() to get the scores');
    }
    return (await generate(this, inputIds, options)).sequences;
  }
  /** [async] generate() with the processed scores of every step. */
  generateWithScores(inputIds: Tensor, options?: GenerationOptions): Promise<{ sequences: Tensor; scores?: Tensor[] }> {
    return generate(this, inputIds, { ...options, outputScores: true });
  }
  /** [async] Tokens as they are generated ([batch] per step). */
  stream(inputIds: Tensor, options?: Omit<GenerationOptions, 'onToken'>): AsyncGenerator<number[]> {
    return streamGenerate(this, inputIds, options);
  }
}
