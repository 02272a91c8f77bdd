export { PretrainedConfig, BertConfig, OPTConfig, BERT_DEFAULTS, OPT_DEFAULTS } from './config';
export type { ConfigDict } from './config';
export { PreTrainedModel } from './pretrained';
export type { ModelInputs, ModelOutput, LoadingInfo, FromPretrainedOptions } from './pretrained';
export { BertModel, BertForSequenceClassification, BertForMaskedLM, bertConfig } from './bert';
export { OPTModel, OPTForCausalLM, optConfig } from './opt';
export { AutoModel, AutoModelForSequenceClassification, AutoModelForCausalLM, AutoModelForMaskedLM } from './auto';
export { BASE_ADAPTER } from './adapter-names';
