// The embedded default job: LoRA on a tiny frozen classifier, with nothing to download.
// A "pretrained" linear layer W0 is frozen; the task's true weights differ from it by a rank-4
// update, so a rank-4 adapter (A, B; B starts at zero as in PEFT) can learn it from few params.
import * as torch from '../index';
import { F } from '../index';
import { progressBar } from '../util/progress';

export interface DemoOptions {
  steps: number;
  rank: number;
  lr: number;
  seed: number;
}

function makeTask(seed: number) {
  torch.manualSeed(seed);
  const [features, classes, n] = [64, 3, 4096];
  const w0 = torch.randn([classes, features]).mul(0.3);
  const shift = torch.randn([classes, 4]).matmul(torch.randn([4, features])).mul(0.3);
  const x = torch.randn([n, features]);
  const labels = F.linear(x, w0.add(shift)).argmax(1);
  return { w0, x, labels, features, classes };
}

function accuracy(logits: torch.Tensor, labels: torch.Tensor): number {
  return torch.tidy(() => (logits.argmax(1).eq(labels).float().mean().item() as number) * 100);
}

export function runDemo(o: DemoOptions): { before: number; after: number; trainable: number; all: number } {
  const { w0, x, labels, features, classes } = makeTask(o.seed);
  const bound = 1 / Math.sqrt(features); // kaiming_uniform(a=sqrt(5)) bound, as nn.Linear and PEFT use
  const A = torch.rand([o.rank, features]).mul(2 * bound).sub(bound).requiresGrad_();
  const B = torch.zeros([classes, o.rank], { requiresGrad: true });
  const forward = () => F.linear(x, w0).add(F.linear(F.linear(x, A), B));
  const before = torch.noGrad(() => accuracy(forward(), labels));
  const bar = progressBar('LoRA demo', o.steps, 'steps');
  for (let step = 0; step < o.steps; step++) {
    const loss = torch.tidy(() => {
      const l = F.crossEntropy(forward(), labels);
      l.backward();
      return l.item() as number;
    });
    torch.noGrad(() => torch.tidy(() => {
      for (const p of [A, B]) {
        p.sub_(p.grad!.mul(o.lr));
        p.zeroGrad();
      }
    }));
    bar.tick({ loss: loss.toFixed(4) });
  }
  bar.stop();
  const after = torch.noGrad(() => accuracy(forward(), labels));
  return { before, after, trainable: A.numel + B.numel, all: A.numel + B.numel + w0.numel };
}
