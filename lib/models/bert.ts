// BERT model classes, as transformers names them.
import type { native } from '../binding';
import { BertConfig, PretrainedConfig, type ConfigDict } from './config';
import { fromConfig, fromPretrained, type FromPretrainedOptions, PreTrainedModel } from './pretrained';

type Handle = ReturnType<typeof native.createModel>;

export const bertConfig = (fields: ConfigDict = {}): BertConfig => new BertConfig(fields);

export class BertModel extends PreTrainedModel {
  static readonly family = 'bert' as const;
  static readonly head: string = 'bert';
  static readonly basePrefix = 'bert';
  constructor(handle: Handle, config: PretrainedConfig) { super(handle, config); }
  static fromPretrained(dirOrId: string, options?: FromPretrainedOptions): Promise<BertModel> { return fromPretrained(this, dirOrId, options); }
  static fromConfig(config: PretrainedConfig, options?: FromPretrainedOptions): BertModel { return fromConfig(this, config, options); }
}

export class BertForSequenceClassification extends PreTrainedModel {
  static readonly family = 'bert' as const;
  static readonly head = 'seqcls';
  static readonly basePrefix = 'bert';
  constructor(handle: Handle, config: PretrainedConfig) { super(handle, config); }
  static fromPretrained(dirOrId: string, options?: FromPretrainedOptions): Promise<BertForSequenceClassification> { return fromPretrained(this, dirOrId, options); }
  static fromConfig(config: PretrainedConfig, options?: FromPretrainedOptions): BertForSequenceClassification { return fromConfig(this, config, options); }
}

export class BertForMaskedLM extends PreTrainedModel {
  static readonly family = 'bert' as const;
  static readonly head = 'mlm';
  static readonly basePrefix = 'bert';
  constructor(handle: Handle, config: PretrainedConfig) { super(handle, config); }
  static fromPretrained(dirOrId: string, options?: FromPretrainedOptions): Promise<BertForMaskedLM> { return fromPretrained(this, dirOrId, options); }
  static fromConfig(config: PretrainedConfig, options?: FromPretrainedOptions): BertForMaskedLM { return fromConfig(this, config, options); }
}
