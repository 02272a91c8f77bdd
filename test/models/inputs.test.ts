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

describe('ids the model cannot embed', () => {
  const bertCase = cases('bert-seqcls');
  const optCase = cases('opt-causal');
  /** A copy of `t` with element [row, col] set to `value`. */
  const withId = (t: torch.Tensor, row: number, col: number, value: number) => {
    const rows = t.toArray() as number[][];
    rows[row][col] = value;
    return torch.tensor(rows, { dtype: 'int64' });
  };

  it('BERT: an id outside vocab_size names its [row, column], the id and the vocabulary size (sync and async)', async () => {
    const model = await bert();
    const ids = bertCase.get('input_ids')!;
    expect(() => model.forwardSync({ inputIds: withId(ids, 1, 3, 1000) }))
      .toThrow("input_ids[1, 3] = 1000 is outside this model's vocab_size (1000): input_ids must lie in [0, 999]; were the ids made by this model's tokenizer?");
    await expect(model.forward({ inputIds: withId(ids, 2, 0, -5) })).rejects.toThrow("input_ids[2, 0] = -5 is outside this model's vocab_size (1000)");
    expect(() => model.forwardSync({ inputIds: [[5, 1000, 7]] })).toThrow('input_ids[0, 1] = 1000');
  });

  it('BERT: a token type outside type_vocab_size, or token types of another shape, are named', async () => {
    const model = await bert();
    const ids = bertCase.get('input_ids')!;
    expect(() => model.forwardSync({ inputIds: ids, tokenTypeIds: withId(bertCase.get('token_type_ids')!, 0, 4, 2) }))
      .toThrow("token_type_ids[0, 4] = 2 is outside this model's type_vocab_size (2): token_type_ids must lie in [0, 1]");
    expect(() => model.forwardSync({ inputIds: ids, tokenTypeIds: [[0, 1]] })).toThrow(/token_type_ids must have the shape of input_ids \[3, 12\], got \[1, 2\]/);
  });

  it('BERT: a sequence longer than max_position_embeddings names the length and the limit', async () => {
    const model = await bert();
    expect(() => model.forwardSync({ inputIds: torch.ones([1, 65], { dtype: 'int64' }) }))
      .toThrow("input_ids has 65 tokens per row but this model's max_position_embeddings is 64: truncate the input to at most 64 tokens");
    expect(model.forwardSync({ inputIds: torch.ones([1, 64], { dtype: 'int64' }) }).logits.shape).toEqual([1, 3]);
  });

  it('a float tensor of ids is named instead of failing inside the embedding', async () => {
    const model = await bert();
    expect(() => model.forwardSync({ inputIds: torch.tensor([[1, 2, 3]]) })).toThrow('input_ids must be a tensor of integer ids (int64), got Float');
  });

  it('OPT: an id outside vocab_size is named in forward and in generate', async () => {
    const model = await opt();
    const ids = optCase.get('input_ids')!;
    expect(() => model.forwardSync({ inputIds: withId(ids, 0, 9, 1234), attentionMask: optCase.get('attention_mask')! }))
      .toThrow("input_ids[0, 9] = 1234 is outside this model's vocab_size (1000)");
    await expect(model.generate(withId(ids, 1, 2, 1000), { attentionMask: optCase.get('attention_mask')!, maxNewTokens: 2 }))
      .rejects.toThrow("input_ids[1, 2] = 1000 is outside this model's vocab_size (1000)");
  });

  it('OPT: more attended tokens than max_position_embeddings are named, in forward and when generate runs past it', async () => {
    const model = await opt();
    expect(() => model.forwardSync({ inputIds: torch.full([1, 65], 5, { dtype: 'int64' }) }))
      .toThrow("a row has 65 attended tokens (0 earlier + 65 new) but this model's max_position_embeddings is 64");
    // Left padding does not count: 70 columns, 6 of them padding, fit in 64 positions.
    const mask = torch.cat([torch.zeros([1, 6], { dtype: 'int64' }), torch.ones([1, 64], { dtype: 'int64' })], 1);
    expect(model.forwardSync({ inputIds: torch.full([1, 70], 5, { dtype: 'int64' }), attentionMask: mask }).logits.shape).toEqual([1, 70, 1000]);
    await expect(model.generate(optCase.get('input_ids')!, { attentionMask: optCase.get('attention_mask')!, maxNewTokens: 60 }))
      .rejects.toThrow(/a row has 65 attended tokens \(64 earlier \+ 1 new\) but this model's max_position_embeddings is 64: shorten the input, or generate fewer tokens \(maxNewTokens\)/);
  });
});
