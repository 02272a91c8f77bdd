// node-peft launch: N processes of a script or a node-peft command with torchrun's environment
// (parsing and printing; the work is lib/distributed/launch.ts).
import { Command } from 'commander';
import { launch } from '../distributed/launch';
import { int } from './options';

interface LaunchFlags {
  nprocPerNode: number;
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
  threads?: number;
}

export function launchCommand(): Command {
  return new Command('launch')
    .description('run a script.js or a node-peft command (train ...) as N data-parallel processes, as torchrun does: ' +
      'MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK, LOCAL_WORLD_SIZE set for each; cores split between them; ' +
      'when one fails the others are stopped')
    .usage('--nproc-per-node N [--nnodes M --node-rank K --master-addr A --master-port P] script.js|train [args...]')
    .requiredOption('--nproc-per-node <n>', 'processes on this machine', int('--nproc-per-node', 1))
    .option('--nnodes <m>', 'machines taking part', int('--nnodes', 1), 1)
    .option('--node-rank <k>', 'this machine\'s index (0 runs rank 0 and serves the rendezvous store)', int('--node-rank', 0), 0)
    .option('--master-addr <address>', 'the address of node 0, reachable from every node', '127.0.0.1')
    .option('--master-port <port>', 'a free port on node 0 for the rendezvous store', int('--master-port', 1), 29500)
    .option('--threads <n>', 'intra-op threads per process (default: cores / --nproc-per-node)', int('--threads', 1))
    .argument('<command...>', 'script.js [args], a node-peft command (train, eval, ...) with its options, or any program')
    .passThroughOptions()
    .allowUnknownOption()
    .action(async (command: string[], o: LaunchFlags) => {
      const r = await launch({
        nprocPerNode: o.nprocPerNode, nnodes: o.nnodes, nodeRank: o.nodeRank, masterAddr: o.masterAddr, masterPort: o.masterPort, command,
        ...(o.threads !== undefined ? { threadsPerProcess: o.threads } : {}),
      });
      process.exitCode = r.exitCode;
    });
}
