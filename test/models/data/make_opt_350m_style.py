"""Reference data for an opt-350m-shaped OPT (word_embed_proj_dim != hidden_size, so project_in /
project_out; do_layer_norm_before=False, so post-LayerNorm and no final_layer_norm), tiny.

transformers is not installed where this was run, so the forward pass is written out here in plain
PyTorch 1.13, line by line after transformers 4.29.2's modeling_opt.py (OPTLearnedPositionalEmbedding,
_make_causal_mask + _expand_mask, OPTAttention with the finfo.min clamp, OPTDecoderLayer, the shifted
CrossEntropyLoss of OPTForCausalLM) and greedy decoding without a cache.

    /usr/bin/python3 test/models/data/make_opt_350m_style.py   # writes the files beside it

Output: config.json, model.safetensors (transformers' keys, lm_head tied so absent) and
expected.safetensors (input_ids, attention_mask, labels, logits, loss, last_hidden_state, generated_ids).
"""
import json
import os
import struct

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(350)
torch.set_num_threads(1)

cfg = dict(vocab_size=64, hidden_size=32, word_embed_proj_dim=16, ffn_dim=48, num_hidden_layers=2,
           num_attention_heads=4, max_position_embeddings=40, do_layer_norm_before=False,
           activation_function="relu", pad_token_id=1, bos_token_id=2, eos_token_id=2)
H, P, V, L, NH = cfg["hidden_size"], cfg["word_embed_proj_dim"], cfg["vocab_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"]

def randn(*shape, std=0.1):
    return torch.randn(*shape) * std

w = {}
w["model.decoder.embed_tokens.weight"] = randn(V, P, std=0.3)
w["model.decoder.embed_positions.weight"] = randn(cfg["max_position_embeddings"] + 2, H, std=0.3)
w["model.decoder.project_in.weight"] = randn(H, P, std=0.2)
w["model.decoder.project_out.weight"] = randn(P, H, std=0.2)
for i in range(L):
    p = f"model.decoder.layers.{i}."
    for name in ["k_proj", "v_proj", "q_proj", "out_proj"]:
        w[p + f"self_attn.{name}.weight"] = randn(H, H, std=0.2)
        w[p + f"self_attn.{name}.bias"] = randn(H, std=0.05)
    for ln in ["self_attn_layer_norm", "final_layer_norm"]:
        w[p + f"{ln}.weight"] = 1 + randn(H, std=0.1)
        w[p + f"{ln}.bias"] = randn(H, std=0.05)
    w[p + "fc1.weight"] = randn(cfg["ffn_dim"], H, std=0.2)
    w[p + "fc1.bias"] = randn(cfg["ffn_dim"], std=0.05)
    w[p + "fc2.weight"] = randn(H, cfg["ffn_dim"], std=0.2)
    w[p + "fc2.bias"] = randn(H, std=0.05)

MIN = torch.finfo(torch.float32).min

def decoder_mask(mask):
    b, t = mask.shape
    causal = torch.full((t, t), MIN)
    cond = torch.arange(t)
    causal.masked_fill_(cond < (cond + 1).view(t, 1), 0)
    expanded = mask[:, None, None, :].expand(b, 1, t, t).to(torch.float32)
    inverted = 1.0 - expanded
    inverted = inverted.masked_fill(inverted.to(torch.bool), MIN)
    return inverted + causal[None, None]

def attention(h, mask4, p):
    b, t, _ = h.shape
    hd = H // NH
    q = F.linear(h, w[p + "q_proj.weight"], w[p + "q_proj.bias"]) * hd ** -0.5
    k = F.linear(h, w[p + "k_proj.weight"], w[p + "k_proj.bias"])
    v = F.linear(h, w[p + "v_proj.weight"], w[p + "v_proj.bias"])
    shape = lambda x: x.view(b, t, NH, hd).transpose(1, 2).reshape(b * NH, t, hd)
    q, k, v = shape(q), shape(k), shape(v)
    scores = torch.bmm(q, k.transpose(1, 2)).view(b, NH, t, t) + mask4
    scores = torch.max(scores, torch.tensor(MIN)).view(b * NH, t, t)
    probs = F.softmax(scores, dim=-1)
    out = torch.bmm(probs, v).view(b, NH, t, hd).transpose(1, 2).reshape(b, t, H)
    return F.linear(out, w[p + "out_proj.weight"], w[p + "out_proj.bias"])

def layer_norm(x, p):
    return F.layer_norm(x, (H,), w[p + ".weight"], w[p + ".bias"], 1e-5)

def forward(ids, mask):
    positions = (torch.cumsum(mask, dim=1).type_as(mask) * mask).long() - 1
    h = F.embedding(ids, w["model.decoder.embed_tokens.weight"])
    h = F.linear(h, w["model.decoder.project_in.weight"])
    h = h + F.embedding(positions + 2, w["model.decoder.embed_positions.weight"])
    mask4 = decoder_mask(mask)
    for i in range(L):
        p = f"model.decoder.layers.{i}."
        residual = h
        h = residual + attention(h, mask4, p + "self_attn.")
        h = layer_norm(h, p + "self_attn_layer_norm")      # post-LayerNorm (do_layer_norm_before=False)
        residual = h
        h = F.linear(F.relu(F.linear(h, w[p + "fc1.weight"], w[p + "fc1.bias"])), w[p + "fc2.weight"], w[p + "fc2.bias"])
        h = layer_norm(residual + h, p + "final_layer_norm")
    h = F.linear(h, w["model.decoder.project_out.weight"])   # no final_layer_norm for post-LN OPT
    logits = F.linear(h, w["model.decoder.embed_tokens.weight"])  # lm_head tied to embed_tokens
    return h, logits

ids = torch.tensor([[2, 17, 40, 5, 33, 9, 21], [1, 1, 2, 60, 8, 44, 12]])
mask = torch.tensor([[1, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1]])
labels = torch.where(mask == 1, ids, torch.tensor(-100))
with torch.no_grad():
    hidden, logits = forward(ids, mask)
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1))
    seq, m = ids.clone(), mask.clone()
    for _ in range(6):
        nxt = forward(seq, m)[1][:, -1].argmax(-1)
        seq = torch.cat([seq, nxt[:, None]], 1)
        m = torch.cat([m, torch.ones(2, 1, dtype=m.dtype)], 1)

def save_safetensors(path, tensors):
    codes = {torch.float32: "F32", torch.int64: "I64"}
    header, offset, blobs = {}, 0, []
    for k in sorted(tensors):
        t = tensors[k].contiguous()
        data = t.numpy().tobytes()
        header[k] = {"dtype": codes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))

config = {"architectures": ["OPTForCausalLM"], "model_type": "opt", "_remove_final_layer_norm": False, "dropout": 0.0,
          "attention_dropout": 0.0, "enable_bias": True, "layer_norm_elementwise_affine": True, "init_std": 0.02,
          "torch_dtype": "float32", **cfg}
with open(os.path.join(HERE, "opt-350m-style", "config.json"), "w") as f:
    json.dump(config, f, indent=2, sort_keys=True)
save_safetensors(os.path.join(HERE, "opt-350m-style", "model.safetensors"), w)
save_safetensors(os.path.join(HERE, "opt-350m-style", "expected.safetensors"), {
    "input_ids": ids, "attention_mask": mask, "labels": labels, "logits": logits, "loss": loss,
    "last_hidden_state": hidden, "generated_ids": seq})
print("loss", loss.item(), "generated", seq.tolist())
