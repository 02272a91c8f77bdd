// node-peft serve: an OpenAI-compatible HTTP server for a base model and a folder of LoRA
// adapters (lib/serve). Runs until SIGTERM or SIGINT, which drain it: new requests get 503,
// those queued and running finish, then the process exits 0.
import { Command, InvalidArgumentError } from 'commander';
import { serve, SERVE_DEFAULTS } from '../serve';
import type { Device } from '../dtype';
import { choice, common, deviceArg, int } from './options';

type ServeFlags = {
  model: string; adapters?: string; tokenizer?: string; port: number; host: string; adminToken?: string; maxBatchSize: number; maxQueue: number;
  memoryBudget: number; requestTimeout: number; maxBodyBytes: number; batching: 'mixed' | 'per-adapter'; preload: boolean; device: Device; dtype?: string;
};

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 2 ** 10, m: 1e6, mb: 1e6, mib: 2 ** 20, g: 1e9, gb: 1e9, gib: 2 ** 30 };

/** "512MiB", "2GB", "1048576": bytes. */
export function parseBytes(name: string) {
  return (value: string): number => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
    const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
    if (!m || unit === undefined || Number(m[1]) * unit < 1) throw new InvalidArgumentError(`${name} must be a size such as 512MiB, 2GB or 1048576 (bytes)`);
    return Math.floor(Number(m[1]) * unit);
  };
}

export function serveCommand(): Command {
  const cmd = new Command('serve')
    .description('serve a causal LM (POST /v1/completions, /v1/chat/completions) or a sequence classifier (POST /v1/classify) with hot-loaded LoRA adapters over HTTP, OpenAI-compatible; SIGTERM drains and exits')
    .requiredOption('--model <dir>', 'the base model folder (config.json + weights, tokenizer files)')
    .option('--adapters <dir>', 'a folder of LoRA adapter folders (PEFT files); each is served under its folder name (model: "<name>")')
    .option('--tokenizer <dir>', 'tokenizer folder (default: the model folder)')
    .option('--port <n>', 'TCP port (0: any free port, printed at start)', int('--port', 0), SERVE_DEFAULTS.port)
    .option('--host <address>', 'address to listen on (0.0.0.0: every interface)', SERVE_DEFAULTS.host)
    .option('--admin-token <token>', 'bearer token that allows POST /v1/adapters and DELETE /v1/adapters/:name (default: $NODE_PEFT_ADMIN_TOKEN; without one they answer 403)')
    .option('--max-batch-size <n>', 'rows decoded together at most', int('--max-batch-size', 1), SERVE_DEFAULTS.maxBatchSize)
    .option('--max-queue <n>', 'requests waiting at most; more get 429', int('--max-queue', 0), SERVE_DEFAULTS.maxQueue)
    .option('--memory-budget <size>', 'memory the resident adapters may take (e.g. 512MiB); least recently used ones are unloaded beyond it', parseBytes('--memory-budget'), SERVE_DEFAULTS.memoryBudget)
    .option('--request-timeout <seconds>', 'a request not finished after this long gets 504', int('--request-timeout', 1), SERVE_DEFAULTS.requestTimeoutMs / 1000)
    .option('--max-body-bytes <size>', 'largest request body; larger get 413', parseBytes('--max-body-bytes'), SERVE_DEFAULTS.maxBodyBytes)
    .addOption(choice('--batching <mode>', "'mixed': rows of any adapters in one forward; 'per-adapter': one adapter per forward, switching between forwards", ['mixed', 'per-adapter'], 'mixed'))
    .option('--no-preload', 'load adapters on first use instead of at start')
    .option('--device <device>', "'cpu', 'cuda' or 'cuda:N'", deviceArg, 'cpu')
    .addOption(choice('--dtype <dtype>', 'load the weights in this dtype (default: as saved)', ['float32', 'bfloat16', 'float16']));
  return common(cmd).action(async (o: ServeFlags) => {
    const server = await serve({
      model: o.model, adapters: o.adapters ?? null, tokenizer: o.tokenizer ?? null, port: o.port, host: o.host, adminToken: o.adminToken ?? process.env.NODE_PEFT_ADMIN_TOKEN ?? null,
      maxBatchSize: o.maxBatchSize, maxQueue: o.maxQueue, memoryBudget: o.memoryBudget, requestTimeoutMs: o.requestTimeout * 1000, maxBodyBytes: o.maxBodyBytes,
      batching: o.batching, preload: o.preload, device: o.device, dtype: o.dtype ?? null,
    });
    console.log(`node-peft serve: listening on ${server.url}`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        console.log(`node-peft serve: ${signal}: draining (new requests get 503)`);
        void server.close().then(() => { console.log('node-peft serve: drained, exiting'); resolve(); });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  });
}
