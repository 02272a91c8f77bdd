// OPT model classes, as transformers names them.
import type { native } from '../binding';
import { OPTConfig, PretrainedConfig, type ConfigDict } from './config';
import { fromConfig, fromPretrained, type FromPretrainedOptions, PreTrainedModel } from './pretrained';
import { generate, streamGenerate, type GenerationOptions } from '../generation/generate';
import type { Tensor } from '../tensor';

type Handle = ReturnType<typeof native.createModel>;

export const optConfig = (fields: ConfigDict = {}): OPTConfig => new OPTConfig(fields);

export class OPTModel extends PreTrainedModel {
  static readonly family = 'opt' as const;
  static readonly head: string = 'opt';
  static readonly basePrefix = 'model';
  constructor(handle: Handle, config: PretrainedConfig) { super(handle, config); }
  static fromPretrained(dirOrId: string, options?: FromPretrainedOptions): Promise<OPTModel> { return fromPretrained(this, dirOrId, options); }
  static fromConfig(config: PretrainedConfig, options?: FromPretrainedOptions): OPTModel { return fromConfig(this, config, options); }
}

export class OPTForCausalLM extends PreTrainedModel {
  static readonly family = 'opt' as const;
  static readonly head = 'causal';
  static readonly basePrefix = 'model';
  constructor(handle: Handle, config: PretrainedConfig) { super(handle, config); }
  static fromPretrained(dirOrId: string, options?: FromPretrainedOptions): Promise<OPTForCausalLM> { return fromPretrained(this, dirOrId, options); }
  static fromConfig(config: PretrainedConfig, options?: FromPretrainedOptions): OPTForCausalLM { return fromConfig(this, config, options); }
  /** [async] transformers' generate(): returns the input ids followed by the new tokens. */
  async generate(inputIds: Tensor, options?: GenerationOptions): Promise<Tensor> {
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
