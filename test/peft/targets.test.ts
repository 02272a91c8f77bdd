// Which modules an adapter targets and which modules_to_save it copies (lib/peft/targets.ts), on
// module lists written out by hand: modules inside a modules_to_save wrapper are never targeted
// again, 'all-linear' leaves out output heads also when nested, only Linear layers (or a wrapper)
// can be targeted, and a wrapped module's copy is not copied twice.
import { describe, expect, it } from 'vitest';
import { LoraConfig } from '../../lib';
import { findModulesToSave, findTargets, type ModuleInfo } from '../../lib/peft/targets';

const L = (name: string): ModuleInfo => ({ name, type: 'Linear' });
/** A BERT-like model whose classifier is wrapped (a second adapter was added after one with modules_to_save). */
const WRAPPED: ModuleInfo[] = [
  { name: '', type: 'BertForSequenceClassification' },
  { name: 'bert.encoder.layer.0.attention.self', type: 'BertSelfAttention' },
  L('bert.encoder.layer.0.attention.self.query'), L('bert.encoder.layer.0.attention.self.value'),
  { name: 'bert.pooler', type: 'BertPooler' }, L('bert.pooler.dense'),
  { name: 'classifier', type: 'ModulesToSaveWrapper' }, L('classifier.original_module'), L('classifier.modules_to_save.a'),
];
const config = (o: ConstructorParameters<typeof LoraConfig>[0]) => new LoraConfig({ r: 2, ...o });

describe('findTargets', () => {
  it('never targets modules inside a modules_to_save wrapper (its original or a copy)', () => {
    expect(findTargets(config({ targetModules: 'all-linear' }), WRAPPED, 'bert')).toEqual([
      'bert.encoder.layer.0.attention.self.query', 'bert.encoder.layer.0.attention.self.value', 'bert.pooler.dense',
    ]);
    expect(findTargets(config({ targetModules: '.*(query|original_module|modules_to_save\\.a)' }), WRAPPED, 'bert')).toEqual(['bert.encoder.layer.0.attention.self.query']);
  });

  it('all-linear leaves out output heads at the root and nested under another module', () => {
    const modules = [L('transformer.h.0.fc'), L('transformer.lm_head'), L('score'), L('my_classifier')];
    expect(findTargets(config({ targetModules: 'all-linear' }), modules, 'gpt')).toEqual(['transformer.h.0.fc', 'my_classifier']);
  });

  it('targets a wrapper itself, but no other module type than Linear', () => {
    expect(findTargets(config({ targetModules: ['classifier'] }), WRAPPED, 'bert')).toEqual(['classifier']);
    expect(() => findTargets(config({ targetModules: ['pooler'] }), WRAPPED, 'bert')).toThrow('Target module bert.pooler (BertPooler) is not supported: LoRA applies to Linear layers');
  });

  it('uses the model type\'s defaults, and names the model type that has none', () => {
    expect(findTargets(config({}), WRAPPED, 'bert')).toEqual(['bert.encoder.layer.0.attention.self.query', 'bert.encoder.layer.0.attention.self.value']);
    expect(() => findTargets(config({}), WRAPPED, 'gpt_neox')).toThrow("Please specify targetModules in LoraConfig: there is no default for model type 'gpt_neox'");
  });

  it('names what was asked for when nothing matches', () => {
    expect(() => findTargets(config({ targetModules: ['q_proj', 'k_proj'] }), WRAPPED, 'bert')).toThrow("Target modules {'q_proj', 'k_proj'} not found in the base model.");
    expect(() => findTargets(config({ targetModules: '.*q_proj' }), WRAPPED, 'bert')).toThrow('Target modules .*q_proj not found in the base model.');
  });
});

describe('findModulesToSave', () => {
  it('matches by name or suffix, leaves out modules inside a chosen one and inside existing wrappers', () => {
    expect(findModulesToSave(['pooler', 'dense'], WRAPPED)).toEqual(['bert.pooler']);
    expect(findModulesToSave(['dense'], WRAPPED)).toEqual(['bert.pooler.dense']);
    expect(findModulesToSave(['classifier', 'original_module', 'a'], WRAPPED)).toEqual(['classifier']);
    expect(findModulesToSave(['modules_to_save.a'], WRAPPED)).toEqual([]);
    expect(findModulesToSave(['ooler'], WRAPPED)).toEqual([]);
  });
});
