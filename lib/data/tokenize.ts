/**
 * Texts to Example rows for sequence classification, as transformers' run_glue.py does it:
 * `tokenizer(texts, text_pair, truncation=True, max_length=...)` in batches of 1,000 (datasets'
 * Dataset.map default), with NO padding: the Trainer's collator pads each batch to its longest
 * row (DataCollatorWithPadding), which wastes far less compute than padding everything to
 * maxLength.
 */
import type { AnyTokenizer } from '../tokenizers';
import { NO_MAX_LENGTH } from '../tokenizers/options';
import type { Example } from './types';

const BATCH = 1000;

/** The length rows are truncated to: maxLength, else the tokenizer's modelMaxLength when it has one. */
export function effectiveMaxLength(tokenizer: AnyTokenizer, maxLength: number | undefined): number | undefined {
  if (maxLength !== undefined) return maxLength;
  return tokenizer.modelMaxLength < NO_MAX_LENGTH ? tokenizer.modelMaxLength : undefined;
}

/**
 * One Example per text: inputIds, attentionMask, tokenTypeIds (tokenizers that return them,
 * like BERT's) and the label id.
 */
export function tokenizeForClassification(
  tokenizer: AnyTokenizer, texts: readonly string[], pairs: readonly string[] | null, labels: readonly number[], maxLength: number | undefined,
): Example[] {
  const out: Example[] = [];
  for (let start = 0; start < texts.length; start += BATCH) {
    const end = Math.min(start + BATCH, texts.length);
    const enc = tokenizer.batch(texts.slice(start, end), {
      ...(pairs ? { textPair: pairs.slice(start, end) } : {}),
      ...(maxLength !== undefined ? { truncation: true, maxLength } : { truncation: false }),
      padding: false,
    });
    for (let i = 0; i < end - start; i++) {
      const row: Example = { inputIds: enc.inputIds[i], attentionMask: enc.attentionMask![i] };
      if (enc.tokenTypeIds) row.tokenTypeIds = enc.tokenTypeIds[i];
      row.labels = labels[start + i];
      out.push(row);
    }
  }
  return out;
}
