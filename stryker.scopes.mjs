// The folders npm run test:mutation:<scope> mutates one at a time, and the tests that cover each
// (stryker.scope.config.mjs, vitest.stryker-scope.config.ts). A test entry starting with '!'
// excludes files.
export const scopes = {
  optim: {
    mutate: ['lib/optim/**/*.ts', '!lib/optim/index.ts'],
    tests: ['test/optim/{clip,optimizers,scheduler,scheduler.property,trace}.test.ts'],
  },
  'peft-config': {
    mutate: ['lib/peft/config.ts'],
    tests: ['test/peft/{config,unsupported,lora-options}.test.ts'],
  },
  tokenizers: {
    mutate: ['lib/tokenizers/**/*.ts', '!lib/tokenizers/index.ts'],
    tests: ['test/tokenizers/**/*.test.ts', '!test/tokenizers/{char-classes,vocab}.test.ts'],
  },
  data: {
    mutate: ['lib/data/**/*.ts', '!lib/data/index.ts'],
    tests: ['test/data/**/*.test.ts', '!test/data/{sources,fingerprint}.test.ts'],
  },
  // lib/train without the trainer loop (trainer.ts, loop.ts, step.ts, evaluation.ts run real
  // training: each of their mutants costs training runs), against the unit tests only (the
  // Trainer's own tests, control, resume, runtime, ..., train real models).
  'train-pure': {
    mutate: ['lib/train/{sampler,collator,mlm-collator,metrics,training-args,checkpoint,pyround,ranks,batches,state,callbacks,target,reporting,tensorboard,pretrain}.ts'],
    tests: ['test/train/{distributed-sampler,metrics,masked-lm,data-pipeline,chunked-loss}.test.ts'],
  },
};
