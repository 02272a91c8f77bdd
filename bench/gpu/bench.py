"""transformers + PEFT side of the GPU benchmark (see bench.js): the same models, shapes and LoRA
settings from shapes.json, tokens/s of forward+backward and peak CUDA memory.

Usage: python3 bench/gpu/bench.py --device cuda|cpu [--out results.json] [--only opt-1.3b]
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def build_model(spec, dtype, device):
    import torch
    from transformers import BertConfig, BertForSequenceClassification, OPTConfig, OPTForCausalLM

    cfg = dict(spec["config"])
    if spec["family"] == "opt":
        cls, config = OPTForCausalLM, OPTConfig(**cfg)
    else:
        cls, config = BertForSequenceClassification, BertConfig(**cfg)
    # Initialise on the device (a CPU init of 1.3B parameters is slow), then cast; plain
    # construction works across transformers versions (torch_dtype became dtype in 4.56).
    if hasattr(torch.device(device), "__enter__"):
        with torch.device(device):
            model = cls(config)
    else:
        model = cls(config).to(device)
    model = model.to(getattr(torch, dtype))
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError:
        for p in model.parameters():
            p.requires_grad_(True)
        return model, "full fine-tuning (peft not importable)"
    lora = spec["lora"]
    config = LoraConfig(r=lora["r"], lora_alpha=lora["loraAlpha"], target_modules=lora["targetModules"], task_type=lora["taskType"])
    return get_peft_model(model, config), "lora r=%d %s" % (lora["r"], ",".join(lora["targetModules"]))


def measure(spec, settings, device):
    import torch

    model, mode = build_model(spec, settings["dtype"], device)
    model.train()
    gen = torch.Generator(device="cpu").manual_seed(0)
    ids = torch.randint(0, spec["config"]["vocab_size"], (spec["batch"], spec["seq"]), generator=gen).to(device)
    mask = torch.ones_like(ids)
    labels = ids if spec["family"] == "opt" else torch.randint(0, spec["config"]["num_labels"], (spec["batch"],), generator=gen).to(device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    cuda = device.startswith("cuda")

    def step():
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        value = trainable[-1].grad.sum().item()  # waits for the device, as bench.js does
        for p in trainable:
            p.grad = None
        return value

    t0 = time.perf_counter()
    for _ in range(settings["warmup"]):
        step()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    t1 = time.perf_counter()
    for _ in range(settings["steps"]):
        step()
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t1
    result = {
        "impl": "transformers+peft", "model": spec["name"], "mode": mode, "device": device, "dtype": settings["dtype"],
        "batch": spec["batch"], "seq": spec["seq"], "steps": settings["steps"], "warmupSeconds": t1 - t0,
        "msPerStep": seconds * 1000 / settings["steps"], "tokensPerSec": spec["batch"] * spec["seq"] * settings["steps"] / seconds,
        "trainableParams": sum(p.numel() for p in trainable),
        "attnImplementation": getattr(getattr(model, "config", None), "_attn_implementation", None),
        "peakMemoryBytes": torch.cuda.max_memory_allocated() if cuda else None,
        "peakReservedBytes": torch.cuda.max_memory_reserved() if cuda else None,
    }
    del model, trainable
    if cuda:
        torch.cuda.empty_cache()
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out")
    ap.add_argument("--only")
    args = ap.parse_args()
    with open(os.path.join(HERE, "shapes.json")) as f:
        shapes = json.load(f)
    settings = shapes["cpu"] if args.device == "cpu" else shapes["gpu"]
    out = {"impl": "transformers+peft", "dryRun": args.device == "cpu", "results": []}
    try:
        import torch
        import transformers

        out["torch"], out["transformers"] = torch.__version__, transformers.__version__
        try:
            import peft

            out["peft"] = peft.__version__
        except ImportError:
            out["peft"] = None
    except ImportError as err:
        out["skipped"] = "python side skipped: %s (needs torch and transformers in %s)" % (err, sys.executable)
        print("bench.py: " + out["skipped"])
    if "skipped" not in out:
        if args.device == "cpu":
            print("bench.py: CPU DRY RUN with tiny shapes (no CUDA): the numbers say nothing about GPU speed")
        torch.manual_seed(0)
        for spec in settings["models"]:
            if args.only and spec["name"] != args.only:
                continue
            try:
                r = measure(spec, settings, args.device)
                print("bench.py: %s [%s] %s %dx%d: %.0f tokens/s, %.1f ms/step" % (
                    r["model"], r["mode"], r["dtype"], r["batch"], r["seq"], r["tokensPerSec"], r["msPerStep"]))
                out["results"].append(r)
            except Exception as err:  # one model failing must not hide the other's numbers
                print("bench.py: %s failed: %r" % (spec["name"], err))
                out["results"].append({"impl": "transformers+peft", "model": spec["name"], "error": repr(err)})
    text = json.dumps(out, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 1 if any("error" in r for r in out["results"]) else 0


if __name__ == "__main__":
    sys.exit(main())
