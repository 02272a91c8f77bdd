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
  data: {
    mutate: ['lib/data/**/*.ts', '!lib/data/index.ts'],
    tests: ['test/data/**/*.test.ts'],
  },
  // lib/train without the trainer loop (trainer.ts, loop.ts, step.ts, evaluation.ts run real
  // training: each of their mutants costs training runs), against the unit tests only (the
  // Trainer's own tests, control, resume, runtime, ..., train real models).
  'train-pure': {
    mutate: ['lib/train/{sampler,collator,mlm-collator,metrics,training-args,checkpoint,pyround,ranks,batches,state,callbacks,target,reporting,tensorboard,pretrain}.ts'],
    // resume, control and tensorboard train tiny models in-process: they are the only tests of
    // checkpoint, callbacks, reporting, state and tensorboard (without them those files score 0%:
    // 2026-12-01, 50.0% overall). pretrain.ts is tested through the CLI (child processes, which
    // Stryker's mutant switch does not reach).
    tests: ['test/train/{distributed-sampler,metrics,masked-lm,mlm-collator,data-pipeline,chunked-loss,train-units,reporting,target,callbacks,checkpoint,resume,control,tensorboard}.test.ts'],
  },
};
