#!/usr/bin/env node
'use strict';
// Builds data/vocab/opt-style: OPT's byte-level BPE tokenizer folder from GPT-2's files
// (data/vocab/gpt2). OPT prepends four special tokens — "<s>" 0, "<pad>" 1, "</s>" 2, "<unk>" 3 —
// and its tokenizer adds "</s>" in front of every text. facebook/opt's own vocab.json also
// reorders the BPE ids (fairseq's dictionary order), which cannot be rebuilt here; node-peft's
// mini-opt is trained with this folder, so its ids are the GPT-2 ids shifted by 4.
//   node scripts/pretrain/make-opt-vocab.js
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '../..');
const from = path.join(root, 'data/vocab/gpt2');
const to = path.join(root, 'data/vocab/opt-style');
const gpt2 = JSON.parse(fs.readFileSync(path.join(from, 'encoder.json'), 'utf8'));
const vocab = { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3 };
for (const [token, id] of Object.entries(gpt2).sort((a, b) => a[1] - b[1])) vocab[token] = id + 4;
const added = (content) => ({ __type: 'AddedToken', content, lstrip: false, normalized: true, rstrip: false, single_word: false });
fs.mkdirSync(to, { recursive: true });
fs.writeFileSync(path.join(to, 'vocab.json'), JSON.stringify(vocab));
fs.copyFileSync(path.join(from, 'vocab.bpe'), path.join(to, 'merges.txt'));
fs.copyFileSync(path.join(from, 'LICENSE'), path.join(to, 'LICENSE'));
const specials = { bos_token: added('</s>'), eos_token: added('</s>'), unk_token: added('</s>'), pad_token: added('<pad>') };
fs.writeFileSync(path.join(to, 'tokenizer_config.json'), JSON.stringify({
  add_bos_token: true, add_prefix_space: false, ...specials, errors: 'replace', model_max_length: 2048, tokenizer_class: 'GPT2Tokenizer',
}, null, 2));
fs.writeFileSync(path.join(to, 'special_tokens_map.json'), JSON.stringify(specials, null, 2));
console.log(`wrote ${to} (${Object.keys(vocab).length} tokens)`);
