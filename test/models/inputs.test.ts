// Model inputs: ids given as arrays must be integers, labels keep their kind, and ids outside
// what the model can embed are named with their position instead of libtorch's bare
// "index out of range in self".
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { BertForSequenceClassification, OPTForCausalLM } from '../../lib';
import { cases, expectClose, fixture } from './helpers';

const bert = () => BertForSequenceClassification.fromPretrained(fixture('bert-seqcls'), { warn: false });
const opt = () => OPTForCausalLM.fromPretrained(fixture('opt-causal'), { warn: false });

describe('ids given as arrays', () => {
  it('a fractional token id is an error naming its position, not truncated', async () => {
    const model = await bert();
    expect(() => model.forwardSync({ inputIds: [[1.5, 2, 3]] })).toThrow('forward(inputs).inputIds[0][0]: expected an integer, received 1.5');
    expect(() => model.forwardSync({ inputIds: [[1, 2, 3]], attentionMask: [[1, 1, 0.5]] })).toThrow('forward(inputs).attentionMask[0][2]: expected an integer, received 0.5');
    expect(() => model.forwardSync({ inputIds: [[1, 2], [3, NaN]] })).toThrow('forward(inputs).inputIds[1][1]: expected an integer, received NaN');
    await expect(model.forward({ inputIds: [[1, 2, 3]], tokenTypeIds: [[0, 0.25, 1]] })).rejects.toThrow('forward(inputs).tokenTypeIds[0][1]');
    const ids = [[101, 7, 9, 102]];
    expectClose(model.forwardSync({ inputIds: ids }).logits, model.forwardSync({ inputIds: torch.tensor(ids, { dtype: 'int64' }) }).logits, 0, 'integer arrays');
  });

  it('fractional labels stay fractional (regression), integer labels are class indices', async () => {
    const model = await BertForSequenceClassification.fromPretrained(fixture('bert-seqcls'), { warn: false, numLabels: 1, ignoreMismatchedSizes: true });
    const c = cases('bert-seqcls');
    const inputs = { inputIds: c.get('input_ids')!, attentionMask: c.get('attention_mask')! };
    const fromArray = model.forwardSync({ ...inputs, labels: [0.5, -1.25, 2] }).loss!;
    const fromTensor = model.forwardSync({ ...inputs, labels: torch.tensor([0.5, -1.25, 2]) }).loss!;
    expectClose(fromArray, fromTensor, 0, 'regression loss');
    const classes = await bert();
    expectClose(classes.forwardSync({ ...inputs, labels: [0, 2, 1] }).loss!, classes.forwardSync({ ...inputs, labels: torch.tensor([0, 2, 1], { dtype: 'int64' }) }).loss!, 0, 'class loss');
  });

  it('generate refuses a float tensor of ids instead of truncating it', async () => {
    const model = await opt();
    await expect(model.generate(torch.tensor([[2, 5.5, 9]]), { maxNewTokens: 2 })).rejects.toThrow('generate(inputIds): expected an integer tensor of token ids (int64, int32, int16, int8, uint8), received "float32"');
  });
});
