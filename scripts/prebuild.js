#!/usr/bin/env node
'use strict';
// `npm run build:prebuild`: the Node-API prebuilt binary for this platform, made by prebuildify
// driving node-gyp with binding.gyp (the same sources and flags as a source install), plus
// prebuilds/<platform>-<arch>/libtorch.json recording the libtorch it was linked against.
// It builds in a staging copy so the development build in build/ is left alone.
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { spawnSync } = require('child_process');
const { describe } = require('./find-libtorch');

const ROOT = path.resolve(__dirname, '..');
const NAPI_VERSION = 8;            // binding.gyp's NAPI_VERSION: one binary for every Node >= 18
const STAGED = ['package.json', 'binding.gyp', 'native', 'scripts/find-libtorch.js'];

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function stage() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-prebuild-'));
  for (const rel of STAGED) fs.cpSync(path.join(ROOT, rel), path.join(dir, rel), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

function buildEnv(dir) {
  const env = { ...process.env, JOBS: process.env.JOBS || 'max' };
  if (process.env.npm_config_node_gyp) env.PREBUILD_NODE_GYP = process.env.npm_config_node_gyp;
  // The running Node's headers: no download (node-gyp fetches them otherwise).
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (!env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include/node/common.gypi'))) env.npm_config_nodedir = prefix;
  if (!env.CXX && onPath('ccache')) Object.assign(env, { CXX: 'ccache g++', CC: 'ccache gcc', CCACHE_BASEDIR: dir });
  return env;
}

function neededLibtorch(file) {
  const out = spawnSync('readelf', ['-d', file], { encoding: 'utf8' });
  if (out.status !== 0) return [];
  return [...out.stdout.matchAll(/\(NEEDED\).*\[((?:libtorch|libc10)[^\]]*)\]/g)].map((m) => m[1]);
}

/** sha256 over what the binary is compiled from, so a stale prebuild can be told apart. */
function sourcesHash() {
  const files = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const sub = path.join(rel, e.name);
      if (e.isDirectory()) walk(sub);
      else files.push(sub);
    }
  };
  walk('native');
  const hash = crypto.createHash('sha256');
  for (const rel of [...files.sort(), 'binding.gyp']) hash.update(`${rel}\0`).update(fs.readFileSync(path.join(ROOT, rel))).update('\0');
  hash.update(require(path.join(ROOT, 'package.json')).version);
  return hash.digest('hex');
}

/** `--check`: exit 0 when prebuilds/ holds a binary built from the current sources and libtorch. */
function upToDate() {
  const dir = path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`);
  try {
    const record = JSON.parse(fs.readFileSync(path.join(dir, 'libtorch.json'), 'utf8'));
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.node'));
    return Boolean(file) && record.sources === sourcesHash() && record.version === describe().version;
  } catch {
    return false;
  }
}

function main() {
  const torch = describe();
  console.log(`node-peft: prebuild against libtorch ${torch.version} (${torch.cuda ? 'CUDA' : 'CPU'}) from ${torch.source}`);
  const sources = sourcesHash();
  const dir = stage();
  try {
    const bin = require.resolve('prebuildify/bin.js', { paths: [ROOT] });
    const args = [bin, '--napi', '--strip', '--tag-libc', `--target=${process.versions.node}`, `--out=${dir}`];
    const run = spawnSync(process.execPath, args, { cwd: dir, env: buildEnv(dir), stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`prebuildify exited with ${run.status}`);

    const tuple = `${process.platform}-${process.arch}`;
    const outDir = path.join(ROOT, 'prebuilds', tuple);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(outDir, { recursive: true });
    const built = fs.readdirSync(path.join(dir, 'prebuilds', tuple)).filter((f) => f.endsWith('.node'));
    if (built.length !== 1) throw new Error(`expected one .node from prebuildify, got: ${built.join(', ') || 'none'}`);
    const file = path.join(outDir, built[0]);
    fs.copyFileSync(path.join(dir, 'prebuilds', tuple, built[0]), file);

    const record = {
      version: torch.version, cuda: torch.cuda, source: torch.source, libDir: torch.libDir,
      needed: neededLibtorch(file), napi: NAPI_VERSION, node: process.versions.node, builtAt: new Date().toISOString(),
      sha256: crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'), sources,
    };
    fs.writeFileSync(path.join(outDir, 'libtorch.json'), `${JSON.stringify(record, null, 2)}\n`);

    // The binary must load here and report the libtorch it was compiled with.
    const check = spawnSync(process.execPath, ['-p', 'require(process.argv[1]).versions().libtorch', file], { encoding: 'utf8' });
    if (check.status !== 0 || check.stdout.trim() !== torch.version) {
      throw new Error(`the prebuild does not load or reports another libtorch: ${check.stdout}${check.stderr}`);
    }
    const size = (fs.statSync(file).size / 1024).toFixed(0);
    console.log(`node-peft: ${path.relative(ROOT, file)} (${size} KiB, libtorch ${record.version}, needs ${record.needed.join(' ')})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module && process.argv[2] === '--prepack') {
  // npm pack / publish: a prebuild is optional, but a stale one must not ship.
  const present = fs.existsSync(path.join(ROOT, 'prebuilds'));
  if (present && !upToDate()) {
    console.error('node-peft: prebuilds/ is stale or incomplete (built from other sources or another libtorch): npm run build:prebuild, or rm -rf prebuilds');
    process.exit(1);
  }
  console.log(`node-peft: ${present ? 'packing the prebuild in prebuilds/' : 'no prebuilds/: the package will build from source on install'}`);
} else if (require.main === module && process.argv[2] === '--check') {
  const ok = upToDate();
  console.log(`node-peft: prebuilds/${process.platform}-${process.arch} is ${ok ? 'up to date' : 'missing or stale'}`);
  process.exit(ok ? 0 : 1);
} else if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(`node-peft: prebuild failed: ${err.message}`);
    process.exit(1);
  }
}

module.exports = { sourcesHash, upToDate };
