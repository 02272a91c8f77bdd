// BERT model classes, as transformers names them.
import { BertConfig, type ConfigDict } from './config';
import { PreTrainedModel } from './pretrained';

export const bertConfig = (fields: ConfigDict = {}): BertConfig => new BertConfig(fields);

export class BertModel extends PreTrainedModel {
  static readonly family = 'bert' as const;
  static readonly head: string = 'bert';
  static readonly basePrefix = 'bert';
}

export class BertForSequenceClassification extends PreTrainedModel {
  static readonly family = 'bert' as const;
  static readonly head = 'seqcls';
  static readonly basePrefix = 'bert';
}

export class BertForMaskedLM extends PreTrainedModel {
  static readonly family = 'bert' as const;
  static readonly head = 'mlm';
  static readonly basePrefix = 'bert';
  // transformers' BertForMaskedLM._keys_to_ignore_on_load_unexpected: BERT checkpoints carry a
  // pooler (bert-base-cased's from NSP, node-peft's mini models' untrained one) the MLM head never uses.
  static readonly keysToIgnoreOnLoadUnexpected = [/pooler/];
}
