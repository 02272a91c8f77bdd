// Checkpoint files: safetensors and pytorch_model.bin, single or sharded.
export { loadSafetensors, loadSafetensorsSync, readSafetensorsHeader, saveSafetensors, saveSafetensorsSync } from './safetensors';
export type { SafetensorsEntry, SafetensorsHeader } from './safetensors';
export { loadTorchBin, loadTorchBinSync } from './torch-bin';
export { loadStateDict, findCheckpoint, readShardIndex, CHECKPOINT_FILES } from './state-dict';
export { disposeCheckpoint } from './checkpoint';
export type { Checkpoint, CheckpointOptions } from './checkpoint';
