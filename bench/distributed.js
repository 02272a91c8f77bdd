#!/usr/bin/env node
'use strict';
// Data-parallel benchmark: LoRA r=8 (query, value) on a bert-base-shaped model (random weights,
// float32), global batch 16 × 128 tokens, one optimizer step = forward + backward + gradient
// all-reduce + clip + AdamW (the fused native step). Compares 1 process × 2 threads with
// 2 processes × 1 thread (Gloo over loopback), prints samples/s, the bytes all-reduced per step,
// the time of that all-reduce alone, and a projection to 8 and 64 ranks over 10 and 100 Gb/s.
//
//   node bench/distributed.js [--steps N] [--port P]
const { spawn } = require('child_process');
const os = require('os');
const path = require('path');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const STEPS = Number(arg('--steps', 4));
const GLOBAL_BATCH = 16;
const SEQ = 128;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function rows(n, offset) {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    return { inputIds: Array.from({ length: SEQ }, (_, j) => 3 + ((i * 7919 + j * 104729) % 28993)), labels: i % 3 };
  });
}

/** One process of a configuration: times STEPS optimizer steps (after one warm-up) on its share of the batch. */
async function worker() {
  const torch = require('../dist');
  const dist = torch.distributed;
  const world = Number(process.env.WORLD_SIZE || 1);
  if (world > 1) await dist.initProcessGroup({ backend: 'gloo', timeout: 600000 });
  const rank = world > 1 ? dist.getRank() : 0;
  torch.manualSeed(0);
  const model = torch.BertForSequenceClassification.fromConfig(torch.bertConfig({ vocab_size: 28996, num_labels: 3 }));
  const peft = torch.getPeftModel(model, new torch.LoraConfig({ taskType: 'SEQ_CLS', r: 8, loraAlpha: 16, targetModules: ['query', 'value'] }));
  const trainable = peft.namedParameters().filter(([, t]) => t.requiresGrad);
  const optimizer = new torch.AdamW(trainable, { lr: 1e-5 });
  const ddp = world > 1 ? await dist.DistributedDataParallel.create([...model.stateDict().values()], trainable.map(([, t]) => t)) : null;
  const per = GLOBAL_BATCH / world;
  const batch = torch.dataCollatorWithPadding()(rows(per, rank * per));
  model.train();
  const step = () => torch.trainingStep(model, batch, { optimizer, maxGradNorm: 1, dataParallel: ddp });
  await step();
  const times = [];
  for (let i = 0; i < STEPS; i++) {
    if (world > 1) await dist.barrier();  // steps start together: the time is the slowest rank's
    const t0 = process.hrtime.bigint();
    await step();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  let allReduceSeconds = null;
  if (ddp) {
    // The same bytes all-reduced alone (one flat float32 tensor), the communication's share.
    const buf = torch.zeros([Math.round(ddp.bytesPerStep / 4)]);
    const ar = [];
    for (let i = 0; i < 10; i++) {
      const t0 = process.hrtime.bigint();
      await dist.allReduce(buf);
      ar.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    allReduceSeconds = median(ar);
  }
  const out = { rank, world, threads: torch.getNumThreads(), stepSeconds: median(times), bytesPerStep: ddp ? ddp.bytesPerStep : null, buckets: ddp ? ddp.buckets : null, allReduceSeconds, trainable: trainable.reduce((n, [, t]) => n + t.numel, 0), all: model.namedParameters().reduce((n, [, t]) => n + t.numel, 0) };
  if (rank === 0) process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
  ddp?.dispose();
  if (world > 1) dist.destroyProcessGroup();
}

function runConfig(world, threads, port) {
  return new Promise((resolve, reject) => {
    const procs = Array.from({ length: world }, (_, rank) => spawn(process.execPath, [__filename, '--worker', '--steps', String(STEPS)], {
      env: { ...process.env, OMP_NUM_THREADS: String(threads), WORLD_SIZE: String(world), RANK: String(rank), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    }));
    let result = null;
    let left = world;
    for (const p of procs) {
      p.stdout.on('data', (d) => { const m = /RESULT (.*)/.exec(String(d)); if (m) result = JSON.parse(m[1]); });
      p.on('exit', (code) => {
        if (code !== 0) reject(new Error(`a benchmark process exited with ${code}`));
        if (--left === 0) resolve(result);
      });
    }
  });
}

/** Ring all-reduce: 2(N-1)/N of the bytes through each link, and 2(N-1) latency-bound steps. */
function ringSeconds(bytes, ranks, gbps, latency) {
  return (2 * (ranks - 1) / ranks) * bytes * 8 / (gbps * 1e9) + 2 * (ranks - 1) * latency;
}

function projection(b, perRankBatch) {
  const lines = ['| ranks | network | LoRA: all-reduce | LoRA: samples/s | LoRA: efficiency | full fine-tuning: all-reduce | full: efficiency |', '| ---: | --- | ---: | ---: | ---: | ---: | ---: |'];
  const fullBytes = 4 * b.all;
  for (const ranks of [8, 64]) {
    for (const [gbps, latency] of [[10, 50e-6], [100, 10e-6]]) {
      const comm = ringSeconds(b.bytesPerStep, ranks, gbps, latency);
      // No overlap assumed (an upper bound on the cost): the step's compute, then the all-reduce.
      const compute = b.stepSeconds - (b.allReduceSeconds ?? 0);
      const rate = (ranks * perRankBatch) / (compute + comm);
      const ideal = (ranks * perRankBatch) / compute;
      const full = ringSeconds(fullBytes, ranks, gbps, latency);
      lines.push(`| ${ranks} | ${gbps} Gb/s | ${(comm * 1e3).toFixed(2)} ms | ${rate.toFixed(1)} | ${(100 * rate / ideal).toFixed(2)}% | ${(full * 1e3).toFixed(0)} ms | ${(100 * compute / (compute + full)).toFixed(1)}% |`);
    }
  }
  return lines.join('\n');
}

async function main() {
  const torch = require('../dist');
  const v = torch.versions();
  const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`distributed data parallel: bert-base shapes, LoRA r=8 (query, value), global batch ${GLOBAL_BATCH} x ${SEQ}, ${STEPS} steps after a warm-up`);
  console.log(`node-peft ${v.nodePeft}, libtorch ${v.libtorch}, ${os.cpus().length} cores (${os.cpus()[0].model}), load average before: ${load()}`);
  const port = Number(arg('--port', 29600 + Math.floor(Math.random() * 300)));
  const a = await runConfig(1, 2, port);
  const b = await runConfig(2, 1, port + 1);
  const rate = (r) => GLOBAL_BATCH / r.stepSeconds;
  console.log(`load average after: ${load()}`);
  console.log('');
  console.log('| configuration | step (s) | samples/s | all-reduced per step |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| 1 process x 2 threads | ${a.stepSeconds.toFixed(2)} | ${rate(a).toFixed(2)} | - |`);
  console.log(`| 2 processes x 1 thread | ${b.stepSeconds.toFixed(2)} | ${rate(b).toFixed(2)} | ${b.bytesPerStep.toLocaleString('en-US')} bytes (${b.buckets} bucket${b.buckets > 1 ? 's' : ''}) |`);
  console.log('');
  console.log(`ratio (2 x 1 / 1 x 2): ${(rate(b) / rate(a)).toFixed(2)}`);
  console.log(`trainable: ${b.trainable.toLocaleString('en-US')} of ${b.all.toLocaleString('en-US')} parameters; full fine-tuning would all-reduce ${(4 * b.all / 2 ** 20).toFixed(0)} MiB per step`);
  console.log(`the same bytes all-reduced alone over loopback: ${(b.allReduceSeconds * 1e3).toFixed(2)} ms (${(100 * b.allReduceSeconds / b.stepSeconds).toFixed(2)}% of the step)`);
  console.log('');
  console.log(`projection, ${GLOBAL_BATCH / 2} x ${SEQ} per rank at this step's compute time (${(b.stepSeconds - b.allReduceSeconds).toFixed(2)} s, 1 thread), ring all-reduce (2(N-1)/N of the bytes per link, 2(N-1) hops of 50 us at 10 Gb/s or 10 us at 100 Gb/s), no overlap with the backward:`);
  console.log(projection(b, GLOBAL_BATCH / 2));
}

(process.argv.includes('--worker') ? worker() : main()).catch((err) => {
  console.error(err.stack);
  process.exit(1);
});
