// The folders npm run test:mutation:<scope> mutates one at a time, and the tests that cover each
// (stryker.scope.config.mjs, vitest.stryker-scope.config.ts). A test entry starting with '!'
// excludes files.
export const scopes = {
  optim: {
    mutate: ['lib/optim/**/*.ts', '!lib/optim/index.ts'],
    tests: ['test/optim/**/*.test.ts'],
  },
  'peft-config': {
    mutate: ['lib/peft/config.ts'],
    tests: ['test/peft/{config,config-fields,unsupported,lora-options}.test.ts'],
  },
  // The rest of lib/peft (PeftModel, the target matcher, adapter state dicts, weighted adapters)
  // against test/peft: tiny random models, 14 s for the folder.
  peft: {
    mutate: ['lib/peft/{peft-model,targets,state-dict,weighted-adapter}.ts'],
    tests: ['test/peft/**/*.test.ts'],
  },
  tokenizers: {
    mutate: ['lib/tokenizers/**/*.ts', '!lib/tokenizers/index.ts'],
    tests: ['test/tokenizers/**/*.test.ts'],
  },
  // BERT's character classes and basic tokenizer against their unit tests only (the parity tests
  // load real vocabularies: 75 s a run, too slow to repeat per mutant on 2 shared cores).
  'tokenizers-core': {
    mutate: ['lib/tokenizers/{unicode,basic}.ts'],
    tests: ['test/tokenizers/{basic,wordpiece,validate,char-classes,vocab}.test.ts'],
  },
  // The rest of lib/tokenizers in three runs that fit a session each (the whole folder is ~10 h:
  // the parity tests load real vocabularies). GPT-2's byte-level BPE against the GPT-2 / OPT tests:
  'tokenizers-bpe': {
    mutate: ['lib/tokenizers/{bpe,bytes,gpt2,pretokenize}.ts'],
    tests: ['test/tokenizers/{bpe,gpt2.parity,opt,roundtrip.property,vocab,validation}.test.ts'],
  },
  // BERT's WordPiece, special-token splitting and the BertTokenizer class against the BERT tests:
  'tokenizers-bert': {
    mutate: ['lib/tokenizers/{bert,wordpiece,special,cleanup}.ts'],
    tests: ['test/tokenizers/{bert.parity,bert-uncased.parity,wordpiece,special,basic,validation,roundtrip.property}.test.ts'],
  },
  // The shared tokenizer machinery: encoding options, batches, loading folders and the hub cache.
  'tokenizers-base': {
    mutate: ['lib/tokenizers/{base,batch,options,loader,files,hub,auto,validate,vocab,tensors}.ts'],
    tests: ['test/tokenizers/**/*.test.ts'],
  },
  data: {
    mutate: ['lib/data/**/*.ts', '!lib/data/index.ts'],
    tests: ['test/data/**/*.test.ts'],
  },
  // lib/train without the trainer loop (trainer.ts, loop.ts, step.ts, evaluation.ts run real
  // training: each of their mutants costs training runs), against unit tests: the pure modules'
  // own (reporting, target, callbacks, checkpoint, mlm-collator, metrics, ...), pretrain() on a
  // few hundred words in-process (the CLI's pretrain tests run child processes, which Stryker's
  // mutant switch does not reach), and resume, control and tensorboard, which train tiny models.
  // ranks.ts runs under the one-rank group of one-rank.test.ts; several ranks are test/distributed's.
  'train-pure': {
    mutate: ['lib/train/{sampler,collator,mlm-collator,metrics,training-args,checkpoint,pyround,ranks,batches,state,callbacks,target,reporting,tensorboard,pretrain}.ts'],
    tests: ['test/train/{distributed-sampler,metrics,masked-lm,mlm-collator,data-pipeline,chunked-loss,train-units,reporting,target,callbacks,checkpoint,pretrain,resume,control,tensorboard,one-rank}.test.ts'],
  },
  // The trainer loop, in two runs that fit a session each: every mutant costs real (tiny)
  // training runs. The tests train 2-layer random models for a few steps, against transformers'
  // traces where there are some (trainer-epochs, the optim traces). one-rank runs the step's and
  // the evaluation loop's data-parallel paths under a one-rank group in this process.
  'train-step': {
    mutate: ['lib/train/{step,evaluation,bert-pooler}.ts'],
    tests: ['test/train/{trainer-epochs,resume,control,runtime,chunked-loss,datasets,dropout,checkpoint,callbacks,evaluation,bert-pooler,one-rank}.test.ts'],
  },
  'train-loop': {
    mutate: ['lib/train/{loop,trainer}.ts'],
    tests: ['test/train/{trainer-epochs,trainer-setup,trainer-loop,resume,control,runtime,chunked-loss,datasets,dropout,checkpoint,callbacks,tensorboard,one-rank}.test.ts'],
  },
};
