// Auto classes: pick the model class from config.json's model_type.
import { resolveModelDir } from '../tokenizers/hub';
import { BertForMaskedLM, BertForSequenceClassification, BertModel } from './bert';
import { PretrainedConfig } from './config';
import { OPTForCausalLM, OPTModel } from './opt';
import type { FromPretrainedOptions, PreTrainedModel } from './pretrained';

type Loader = { fromPretrained(dir: string, options?: FromPretrainedOptions): Promise<PreTrainedModel>; name: string };

function auto(task: string, table: Record<string, Loader>) {
  return {
    async fromPretrained(dirOrId: string, options?: FromPretrainedOptions): Promise<PreTrainedModel> {
      const dir = resolveModelDir(dirOrId);
      const type = PretrainedConfig.fromPretrained(dir).modelType;
      const cls = table[type];
      if (!cls) throw new Error(`${task}: no model class for model_type '${type}' (supported: ${Object.keys(table).join(', ')})`);
      return cls.fromPretrained(dir, options);
    },
  };
}

export const AutoModel = auto('AutoModel', { bert: BertModel, opt: OPTModel });
export const AutoModelForSequenceClassification = auto('AutoModelForSequenceClassification', { bert: BertForSequenceClassification });
export const AutoModelForCausalLM = auto('AutoModelForCausalLM', { opt: OPTForCausalLM });
export const AutoModelForMaskedLM = auto('AutoModelForMaskedLM', { bert: BertForMaskedLM });
