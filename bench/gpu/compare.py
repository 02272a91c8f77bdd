"""Prints the GPU benchmark side by side: node-peft vs transformers + PEFT, with ratios.

Usage: python3 bench/gpu/compare.py DIR
DIR holds bench-*.json (from bench.js and bench.py, one or more models each) and, optionally,
memory.json from gpu-check.sh's nvidia-smi sampling: {"node-peft": {model: bytes}, ...}.
"""
import glob
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as err:
        return {"results": [], "missing": "%s: %s" % (path, err)}


def gib(n):
    return "-" if n is None else "%.2f GiB" % (n / 2**30)


def main():
    sides = [load(f) for f in sorted(glob.glob(os.path.join(sys.argv[1], "bench-*.json")))]
    memory_file = os.path.join(sys.argv[1], "memory.json")
    memory = load(memory_file) if os.path.exists(memory_file) else {}
    lines = []
    if any(side.get("dryRun") for side in sides):
        lines.append("CPU DRY RUN (tiny shapes, no CUDA): these figures say nothing about GPU performance.")
    for side in sides:
        for key in ("missing", "skipped"):
            if side.get(key) and ("note: " + side[key]) not in lines:
                lines.append("note: " + side[key])
    by_model = {}
    for side in sides:
        for r in side.get("results", []):
            by_model.setdefault(r["model"], {})[r["impl"]] = r
    header = "%-10s %-18s %-30s %12s %10s %14s %14s" % ("model", "impl", "mode", "tokens/s", "ms/step", "peak alloc", "peak smi")
    lines += [header, "-" * len(header)]
    for model, sides in by_model.items():
        for impl in ("node-peft", "transformers+peft"):
            r = sides.get(impl)
            if r is None:
                continue
            if "error" in r:
                lines.append("%-10s %-18s FAILED: %s" % (model, impl, r["error"][:120]))
                continue
            proc = memory.get(impl, {}).get(model)
            lines.append("%-10s %-18s %-30s %12.0f %10.1f %14s %14s" % (
                model, impl, r["mode"][:30], r["tokensPerSec"], r["msPerStep"], gib(r.get("peakMemoryBytes")), gib(proc)))
        a, b = sides.get("node-peft"), sides.get("transformers+peft")
        if a and b and "error" not in a and "error" not in b:
            ratio = "%-10s node-peft / transformers+peft: %.2fx tokens/s" % (model, a["tokensPerSec"] / b["tokensPerSec"])
            pa, pb = memory.get("node-peft", {}).get(model), memory.get("transformers+peft", {}).get(model)
            if pa and pb:
                ratio += ", %.2fx peak GPU memory (nvidia-smi)" % (pa / pb)
            if a["mode"].split()[0] != b["mode"].split()[0]:
                ratio += " (NOT comparable: %s vs %s)" % (a["mode"], b["mode"])
            lines.append(ratio)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
