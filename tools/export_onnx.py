#!/usr/bin/env python3
"""Export a MiniMind checkpoint (.pth state_dict) to ONNX for LossLens.

Run it in your own training environment (the one that has torch and your MiniMind checkout):

    python tools/export_onnx.py --checkpoint out/pretrain_512.pth --minimind-dir ~/minimind --out export/

--checkpoint may also be a transformers-format folder as MiniMind publishes its models (config.json with
model.safetensors, sharded model.safetensors.index.json, or pytorch_model.bin); its config.json gives the
configuration and its tokenizer.json the tokenizer unless --tokenizer says otherwise.

It imports YOUR model class from the checkout (MiniMind2's `model/model_minimind.py`, or the older
`model/LMConfig.py` + `model/model.py`), loads the state_dict strictly, converts it to float32, and
writes into --out:

- model.onnx        Hugging Face Optimum decoder convention, with a KV cache:
                    inputs  input_ids int64 [batch, seq], attention_mask int64 [batch, past+seq],
                            position_ids int64 [batch, seq],
                            past_key_values.{i}.key|value float32 [batch, kv_heads, past, head_dim],
                            logits_to_keep int64 0-d (0 = all rows, k > 0 = the last k rows)
                    outputs logits float32 [batch, rows, vocab],
                            present.{i}.key|value float32 [batch, kv_heads, past+seq, head_dim]
- model.plain.onnx  input_ids int64 [batch, seq], attention_mask int64 [batch, seq] -> logits [batch, seq, vocab]
- with --target-logprobs, both forms also carry LossLens' scoring nodes (the engine appends the same
  ones in memory to models without them, src/main/engine/graph-targets.ts):
                    input   target_ids int64 [batch, rows, K]
                    outputs target_logprobs float32 [batch, rows, K] = GatherElements(LogSoftmax(logits), target_ids),
                            argmax int64 [batch, rows] = ArgMax(logits) (lowest id on ties)
- manifest.json     config, source checkpoint and its SHA-256, versions, forms, measured differences,
                    and with --step N the training step the checkpoint was saved at ("step": N)
- tokenizer.json (+ tokenizer_config.json) copied from --tokenizer or the checkout's model/ folder

The number of attention heads is not stored in a state_dict. It comes from --num-heads, --config, a
config.json beside the checkpoint (or the manifest.json of an earlier LossLens export of the same file),
or MiniMind's default of 8, which is then checked by scoring every head count that fits the shapes on a
few samples (--probe-data, or a built-in text): the export is refused when another count is clearly better.

Your files are not modified. The attention is re-expressed at export time, from your model's own
modules (embeddings, norms, projections, MLP): the causal mask is added out of place
(`scores + mask`, not MiniMind's in-place `scores[..., -S:] += triu(...)`, which torch.onnx turns into
ScatterND), the cache is transposed to [batch, kv_heads, seq, head_dim], and RoPE positions come from
position_ids rather than from the cache length. The exporter checks the result against your original
forward in PyTorch (prefill, a cached decode step, right padding, logits_to_keep) and prints the
largest |difference|; with the onnxruntime Python package present it also runs the ONNX files.
"""
import argparse
import functools
import hashlib
import importlib
import json
import math
import os
import shutil
import sys

import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))

MASK_NOTE = (
    "MiniMind adds its causal mask in place (scores[:, :, :, -S:] += torch.triu(...)), which torch.onnx "
    "exports as ScatterND with index-building ops; this export adds the same mask out of place "
    "(scores + mask; padding as (1 - attention_mask) * -1e9, as MiniMind does). Logits are identical "
    "to the original forward up to the differences measured below."
)


class ExportError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# The two MiniMind layouts: where the code lives, what the config and modules are called.
# --------------------------------------------------------------------------------------------
LAYOUTS = {
    "minimind2": {
        "files": ["model/model_minimind.py"],
        "module": "model.model_minimind",
        "config_module": "model.model_minimind",
        "config_class": "MiniMindConfig",
        "model_class": "MiniMindForCausalLM",
        "embed": "model.embed_tokens.weight",
        "layer_prefix": "model.layers.",
        "q": "self_attn.q_proj.weight",
        "k": "self_attn.k_proj.weight",
        "gate": "mlp.gate_proj.weight",
        "tied": ("model.embed_tokens.weight", "lm_head.weight"),
        # canonical config name -> this layout's config field
        "fields": {
            "hidden_size": "hidden_size",
            "num_hidden_layers": "num_hidden_layers",
            "num_attention_heads": "num_attention_heads",
            "num_key_value_heads": "num_key_value_heads",
            "vocab_size": "vocab_size",
            "intermediate_size": "intermediate_size",
            "rms_norm_eps": "rms_norm_eps",
            "rope_theta": "rope_theta",
            "max_position_embeddings": "max_position_embeddings",
        },
        "rope": "half",
    },
    "legacy": {
        "files": ["model/LMConfig.py", "model/model.py"],
        "module": "model.model",
        "config_module": "model.LMConfig",
        "config_class": "LMConfig",
        "model_class": "MiniMindLM",
        "embed": "tok_embeddings.weight",
        "layer_prefix": "layers.",
        "q": "attention.wq.weight",
        "k": "attention.wk.weight",
        "gate": "feed_forward.w1.weight",
        "tied": ("tok_embeddings.weight", "output.weight"),
        "fields": {
            "hidden_size": "dim",
            "num_hidden_layers": "n_layers",
            "num_attention_heads": "n_heads",
            "num_key_value_heads": "n_kv_heads",
            "vocab_size": "vocab_size",
            "intermediate_size": "hidden_dim",
            "rms_norm_eps": "norm_eps",
            "rope_theta": "rope_theta",
            "max_position_embeddings": "max_seq_len",
        },
        "rope": "interleaved",
    },
}

DEFAULTS = {  # MiniMind's own defaults for what a state_dict cannot tell
    "num_attention_heads": 8,
    "rms_norm_eps": 1e-5,
    "rope_theta": 1e6,
    "max_position_embeddings": 32768,
}


def detect_layout(checkout):
    if not os.path.isdir(checkout):
        raise ExportError(f"MiniMind checkout not found: {checkout}")
    for name, spec in LAYOUTS.items():
        if all(os.path.isfile(os.path.join(checkout, f)) for f in spec["files"]):
            return name
    raise ExportError(
        f"no MiniMind model code in {checkout}: expected model/model_minimind.py (MiniMind2) "
        "or model/LMConfig.py + model/model.py (older layout)"
    )


def import_layout(checkout, layout):
    spec = LAYOUTS[layout]
    # The checkout's package is called `model`: make sure an earlier import of another `model` is not reused.
    for mod in [m for m in sys.modules if m == "model" or m.startswith("model.")]:
        del sys.modules[mod]
    sys.path.insert(0, os.path.abspath(checkout))
    try:
        config_cls = getattr(importlib.import_module(spec["config_module"]), spec["config_class"])
        model_cls = getattr(importlib.import_module(spec["module"]), spec["model_class"])
    except Exception as err:  # an ImportError from the user's environment, a renamed class...
        raise ExportError(
            f"cannot import {spec['model_class']} from {checkout} ({' + '.join(spec['files'])}): "
            f"{type(err).__name__}: {err}"
        ) from err
    finally:
        sys.path.pop(0)
    return config_cls, model_cls


# --------------------------------------------------------------------------------------------
# Checkpoint loading
# --------------------------------------------------------------------------------------------
def sha256_file(path):
    # The checkpoint is hashed to recognise an earlier manifest beside it and again for the new one:
    # remember the digest while the file is unchanged (checkpoints run to gigabytes).
    st = os.stat(path)
    return _sha256(os.path.abspath(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=32)
def _sha256(path, _mtime_ns, _size):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


HF_WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")


def resolve_checkpoint(path):
    """A .pth/.safetensors file as given, or the weights file of a transformers-format folder."""
    if not os.path.isdir(path):
        return path
    for name in HF_WEIGHT_FILES:
        candidate = os.path.join(path, name)
        if os.path.isfile(candidate):
            if not os.path.isfile(os.path.join(path, "config.json")):
                print(f"  note: {path} has {name} but no config.json; the configuration is inferred from the shapes")
            return candidate
    raise ExportError(f"{path} is a folder without model weights: expected one of {', '.join(HF_WEIGHT_FILES)} "
                      "(a transformers-format folder) or give the .pth file")


def load_sharded_safetensors(index_path):
    """The tensors of every shard a model.safetensors.index.json names."""
    sys.path.insert(0, HERE)
    import safetensors_io

    try:
        with open(index_path, encoding="utf-8") as f:
            weight_map = json.load(f)["weight_map"]
        shards = sorted(set(weight_map.values()))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ExportError(f"{index_path}: not a readable safetensors index ({type(err).__name__}: {err})") from err
    out = {}
    for shard in shards:
        shard_path = os.path.join(os.path.dirname(index_path), shard)
        try:
            out.update(safetensors_io.load_file(shard_path))
        except Exception as err:
            raise ExportError(f"{shard_path}: not a readable safetensors file ({type(err).__name__}: {err})") from err
    return out


def load_state_dict(path):
    """Returns (state_dict, notes). Refuses pickled code: torch.load(weights_only=True)."""
    if not os.path.isfile(path):
        raise ExportError(f"checkpoint not found: {path}")
    notes = []
    if path.endswith(".safetensors.index.json"):
        obj = load_sharded_safetensors(path)
    elif path.endswith(".safetensors"):
        sys.path.insert(0, HERE)  # safetensors_io.py sits beside this file; only .safetensors needs it
        import safetensors_io

        try:
            obj = safetensors_io.load_file(path)
        except Exception as err:
            raise ExportError(f"{path}: not a readable safetensors file ({type(err).__name__}: {err})") from err
    else:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            first = first.split("WeightsUnpickler error: ")[-1]  # torch's advice to drop weights_only is not ours
            raise ExportError(f"{path}: refused by torch.load(weights_only=True), not a plain state_dict: {first}") from err
    if isinstance(obj, dict) and not all(torch.is_tensor(v) for v in obj.values()):
        for key in ("model", "state_dict", "model_state_dict"):
            inner = obj.get(key)
            if isinstance(inner, dict) and inner and all(torch.is_tensor(v) for v in inner.values()):
                notes.append(f"state_dict taken from the checkpoint's {key!r} entry")
                obj = inner
                break
    if not isinstance(obj, dict) or not obj or not all(torch.is_tensor(v) for v in obj.values()):
        kind = type(obj).__name__
        raise ExportError(f"{path}: not a state_dict (a {kind}, expected a dict of parameter names to tensors)")
    for prefix in ("module.", "_orig_mod."):
        if all(k.startswith(prefix) for k in obj):
            obj = {k[len(prefix):]: v for k, v in obj.items()}
            notes.append(f"prefix {prefix!r} stripped from every key")
    return dict(obj), notes


def checkpoint_layout(state_dict):
    for name, spec in LAYOUTS.items():
        if spec["embed"] in state_dict:
            return name
    return None


def infer_config(state_dict, layout, given):
    """Canonical config (MiniMind2 names) from the given values, the tensor shapes and MiniMind's defaults.
    Returns (config, provenance) where provenance[name] says where each value came from."""
    spec = LAYOUTS[layout]
    cfg, how = {}, {}

    def put(name, value, source):
        if given.get(name) is not None:
            if value is not None and source.startswith("inferred") and int(given[name]) != int(value):
                raise ExportError(f"{name}={given[name]} was given but the checkpoint says {value} ({source})")
            cfg[name], how[name] = given[name], "given"
        else:
            cfg[name], how[name] = value, source

    embed = state_dict[spec["embed"]]
    vocab, hidden = embed.shape
    put("vocab_size", vocab, f"inferred from {spec['embed']} {list(embed.shape)}")
    put("hidden_size", hidden, f"inferred from {spec['embed']} {list(embed.shape)}")
    layer_ids = {int(k[len(spec["layer_prefix"]):].split(".")[0]) for k in state_dict if k.startswith(spec["layer_prefix"])}
    put("num_hidden_layers", len(layer_ids), f"inferred from the {len(layer_ids)} {spec['layer_prefix']}N groups")
    put("num_attention_heads", None if given.get("num_attention_heads") else DEFAULTS["num_attention_heads"],
        "MiniMind default (not visible in the shapes)")
    heads = int(cfg["num_attention_heads"])
    hidden = int(cfg["hidden_size"])
    if hidden % heads:
        raise ExportError(f"hidden_size {hidden} is not divisible by num_attention_heads {heads}")
    head_dim = hidden // heads
    q = state_dict.get(spec["layer_prefix"] + "0." + spec["q"])
    if q is not None and q.shape[0] != heads * head_dim:
        raise ExportError(f"{spec['q']} is {list(q.shape)}, which does not fit {heads} heads of {head_dim}")
    k = state_dict.get(spec["layer_prefix"] + "0." + spec["k"])
    kv = k.shape[0] // head_dim if k is not None else None
    put("num_key_value_heads", kv, f"inferred from {spec['layer_prefix']}0.{spec['k']} {list(k.shape) if k is not None else '?'} / head_dim {head_dim}")
    gate = state_dict.get(spec["layer_prefix"] + "0." + spec["gate"])
    put("intermediate_size", gate.shape[0] if gate is not None else None,
        f"inferred from {spec['layer_prefix']}0.{spec['gate']} {list(gate.shape) if gate is not None else '?'}")
    for name in ("rms_norm_eps", "rope_theta", "max_position_embeddings"):
        put(name, DEFAULTS[name], "MiniMind default")
    for name in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                 "intermediate_size", "max_position_embeddings"):
        cfg[name] = int(cfg[name])
    cfg["rms_norm_eps"], cfg["rope_theta"] = float(cfg["rms_norm_eps"]), float(cfg["rope_theta"])
    return cfg, how


def read_config_file(path):
    """A config.json in either naming (MiniMind2's / HF's, or the older LMConfig's) -> canonical names."""
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except (OSError, ValueError) as err:
        raise ExportError(f"cannot read --config {path}: {err}") from err
    out = {}
    for spec in LAYOUTS.values():
        for canon, field in spec["fields"].items():
            if field in raw and raw[field] is not None:
                out[canon] = raw[field]
    if raw.get("use_moe"):
        raise ExportError("MoE checkpoints (use_moe) are not supported by this exporter")
    return out


def config_beside(checkpoint):
    """A config for this checkpoint found in its folder: config.json (either naming), or the manifest.json
    of an earlier LossLens export whose recorded source has this checkpoint's SHA-256. (path, config) or None."""
    folder = os.path.dirname(os.path.abspath(checkpoint))
    path = os.path.join(folder, "config.json")
    if os.path.isfile(path):
        return path, read_config_file(path)
    path = os.path.join(folder, "manifest.json")
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except (OSError, ValueError):
        return None
    if (isinstance(raw, dict) and str(raw.get("format", "")).startswith("losslens-onnx-export")
            and isinstance(raw.get("config"), dict)
            and (raw.get("source") or {}).get("sha256") == sha256_file(checkpoint)):
        return path, {k: v for k, v in raw["config"].items() if k in LAYOUTS["minimind2"]["fields"] and v is not None}
    return None


# The head count is the one number a state_dict cannot tell (q_proj is [heads * head_dim, hidden] for any
# split), and a wrong one still loads strictly and exports cleanly: it just computes another model. So
# when it is neither given nor in a config, the candidates that fit the shapes are scored on these texts.
PROBE_TEXTS = [
    "The quick brown fox jumps over the lazy dog. In the beginning of the year, the city council met to "
    "discuss the new budget, and after a long debate the members agreed that the library and the public "
    "parks should receive more money than they did last year. The function returns a list of values, one "
    "for each line of the input file, and raises an error when the file cannot be read.",
    "今天天气很好，我们一起去公园散步。人工智能是计算机科学的一个分支，它试图理解智能的本质，并生产出一种新的"
    "能以人类智能相似的方式做出反应的智能机器。中国的首都是北京，长江是中国最长的河流。",
]
PROBE_MARGIN = 0.25  # nats: how much better another head count must score before the default is refused


def head_count_candidates(state_dict, layout, hidden):
    """Head counts that fit the checkpoint's shapes: even head_dim >= 8, whole kv heads dividing the heads."""
    spec = LAYOUTS[layout]
    k = state_dict.get(spec["layer_prefix"] + "0." + spec["k"])
    if k is None:
        return []
    out = []
    for heads in range(1, min(hidden, 128) + 1):
        head_dim = hidden // heads
        if hidden % heads or head_dim % 2 or head_dim < 8 or k.shape[0] % head_dim:
            continue
        kv = k.shape[0] // head_dim
        if kv and heads % kv == 0:
            out.append((heads, kv))
    return out


def probe_loss(model, layout, token_lists):
    total, count = 0.0, 0
    with torch.no_grad():
        for ids in token_lists:
            x = torch.tensor([ids])
            logits = original_forward(model, layout, x).logits[0, :-1].float()
            total += F.cross_entropy(logits, x[0, 1:], reduction="sum").item()
            count += len(ids) - 1
    return total / count


def read_probe_data(path, limit=8):
    """Up to `limit` texts from a JSON array or JSONL of {"text": ...} rows (an eval set, the training data)."""
    texts = []
    try:
        with open(path, encoding="utf-8") as f:
            head = f.read(1)
            f.seek(0)
            if head == "[" and os.path.getsize(path) > 256 * 1024 * 1024:
                raise ExportError(f"--probe-data {path} is a JSON array too large to load; give a small eval file or JSONL")
            rows = json.load(f) if head == "[" else (json.loads(line) for line in f if line.strip())
            for row in rows:
                if isinstance(row, dict) and isinstance(row.get("text"), str) and row["text"].strip():
                    texts.append(row["text"])
                if len(texts) >= limit:
                    break
    except (OSError, ValueError) as err:
        raise ExportError(f"cannot read --probe-data {path}: {err}") from err
    if not texts:
        raise ExportError(f"--probe-data {path} has no {{\"text\": ...}} rows")
    return texts


def probe_head_count(config_cls, model_cls, layout, cfg, state_dict, tokenizer_path, texts):
    """Scores every head count that fits the shapes on `texts`. Returns (losses by heads, note) or raises
    ExportError when another count scores clearly better than MiniMind's default."""
    if not tokenizer_path:
        return None, "no tokenizer to probe the head count with", False
    sys.path.insert(0, HERE)
    try:
        from bpe_tokenizer import ByteLevelBPETokenizer
        tok = ByteLevelBPETokenizer(tokenizer_path)
    except (ImportError, ValueError, OSError) as err:
        return None, f"head count not probed: {err}", False
    finally:
        sys.path.pop(0)
    token_lists = [ids[:128] for ids in (tok.encode(t) for t in texts)]
    if any(max(ids) >= cfg["vocab_size"] for ids in token_lists):
        return None, "head count not probed: the tokenizer's ids do not fit the checkpoint's vocabulary", False
    token_lists = [ids for ids in token_lists if len(ids) >= 8]
    default = cfg["num_attention_heads"]
    losses = {}
    for heads, kv in head_count_candidates(state_dict, layout, cfg["hidden_size"]):
        trial = dict(cfg, num_attention_heads=heads, num_key_value_heads=kv)
        losses[heads] = probe_loss(build_model(config_cls, model_cls, layout, trial, state_dict), layout, token_lists)
    if default not in losses:
        fits = ", ".join(f"{h} (probe loss {v:.2f})" for h, v in sorted(losses.items())) or "none"
        raise ExportError(
            f"num_attention_heads is not stored in the checkpoint and MiniMind's default of {default} does not fit "
            f"its shapes; head counts that do: {fits}. Give --num-heads (or --config with your training config)"
        )
    if len(losses) < 2:
        return losses, "the only head count that fits the shapes", True
    best = min(losses, key=losses.get)
    table = ", ".join(f"{h} heads {v:.2f}" for h, v in sorted(losses.items()))
    if min(losses.values()) > math.log(cfg["vocab_size"]):
        note = (f"probe text loss: {table}, all worse than chance: the probe text is unlike the training data, "
                f"so it cannot tell; give --probe-data with a few training or eval rows")
        return losses, note, False
    if best != default and losses[default] - losses[best] > PROBE_MARGIN:
        raise ExportError(
            f"num_attention_heads is not stored in the checkpoint and was not given; MiniMind's default of "
            f"{default} looks wrong for this one: on a probe text its loss is {losses[default]:.2f} with "
            f"{default} heads but {losses[best]:.2f} with {best} ({table}). Give --num-heads {best} (or "
            f"--config with your training config) if that is how it was trained; --num-heads {default} "
            f"keeps the default"
        )
    return losses, f"probe text loss: {table}", True


def build_model(config_cls, model_cls, layout, cfg, state_dict):
    fields = LAYOUTS[layout]["fields"]
    config = config_cls(**{fields[k]: v for k, v in cfg.items()})
    model = model_cls(config)
    expected = model.state_dict()
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    if missing or unexpected:
        hint = ""
        other = checkpoint_layout(state_dict)
        if other and other != layout:
            hint = f" (the checkpoint uses the {other} naming, the checkout the {layout} one)"
        raise ExportError(
            f"strict load into {model_cls.__name__} failed{hint}: {len(missing)} missing "
            f"{_preview(missing)}, {len(unexpected)} unexpected {_preview(unexpected)}"
        )
    wrong = [f"{k} {list(state_dict[k].shape)} vs {list(v.shape)}" for k, v in expected.items() if state_dict[k].shape != v.shape]
    if wrong:
        raise ExportError(f"strict load into {model_cls.__name__} failed: {len(wrong)} shape mismatches {_preview(wrong)}")
    a, b = LAYOUTS[layout]["tied"]
    if not torch.equal(state_dict[a].float(), state_dict[b].float()):
        raise ExportError(f"strict load failed: tied tensors {a} and {b} differ in the checkpoint")
    model.load_state_dict(state_dict, strict=True)
    return model.float().eval()


def _preview(items, n=4):
    return "[" + ", ".join(items[:n]) + (", ..." if len(items) > n else "") + "]"


# --------------------------------------------------------------------------------------------
# The export-friendly decoder: the user's modules, attention re-expressed.
# --------------------------------------------------------------------------------------------
class _KeepLast(torch.autograd.Function):
    """h[:, -k:, :] for k > 0, all rows for k == 0: exactly Python's `slice(-k, None)`.
    Exported as one Slice(starts=-k, ends=INT64_MAX): ONNX Slice has the same clamping."""

    @staticmethod
    def forward(ctx, h, k):
        k = int(k)
        return h[:, -k:, :].clone() if k > 0 else h.clone()

    @staticmethod
    def symbolic(g, h, k):
        one = g.op("Constant", value_t=torch.tensor([1], dtype=torch.int64))
        starts = g.op("Neg", g.op("Reshape", k, one))
        ends = g.op("Constant", value_t=torch.tensor([9223372036854775807], dtype=torch.int64))
        return g.op("Slice", h, starts, ends, one)


class _TiedHead(torch.autograd.Function):
    """x @ W^T as Gemm(transB=1), so the tied embedding matrix is stored once (MatMul would need a
    transposed copy)."""

    @staticmethod
    def forward(ctx, x2d, weight):
        return F.linear(x2d, weight)

    @staticmethod
    def symbolic(g, x2d, weight):
        return g.op("Gemm", x2d, weight, transB_i=1)


class _Reshape(torch.autograd.Function):
    """Reshape to a constant ONNX shape where 0 copies the input's dim (batch, sequence...), so that the
    graph needs no Shape/Gather/Concat plumbing per reshape. (torch 1.13's shape inference asserts
    unless such a shape also has a -1.)"""

    @staticmethod
    def forward(ctx, x, *shape):
        return x.reshape([x.shape[i] if d == 0 else d for i, d in enumerate(shape)])

    @staticmethod
    def symbolic(g, x, *shape):
        return g.op("Reshape", x, g.op("Constant", value_t=torch.tensor(shape, dtype=torch.int64)))


def _reshape(x, *shape):
    return _Reshape.apply(x, *(int(d) for d in shape))


class ExportDecoder(nn.Module):
    def __init__(self, model, layout, cfg, with_cache):
        super().__init__()
        self.layout, self.with_cache = layout, with_cache
        self.n_heads = cfg["num_attention_heads"]
        self.n_kv = cfg["num_key_value_heads"]
        self.head_dim = cfg["hidden_size"] // self.n_heads
        self.rope_style = LAYOUTS[layout]["rope"]
        # Registered under the checkpoint's own names, so ONNX initializers carry the state_dict keys.
        if layout == "minimind2":
            self.model, self.lm_head = model.model, model.lm_head
            embed, layers, norm, head = model.model.embed_tokens, model.model.layers, model.model.norm, model.lm_head
            self._blocks = [
                (l.input_layernorm, l.self_attn.q_proj, l.self_attn.k_proj, l.self_attn.v_proj, l.self_attn.o_proj,
                 l.post_attention_layernorm, l.mlp) for l in layers
            ]
        else:
            self.tok_embeddings, self.layers, self.norm, self.output = model.tok_embeddings, model.layers, model.norm, model.output
            embed, norm, head = model.tok_embeddings, model.norm, model.output
            self._blocks = [
                (l.attention_norm, l.attention.wq, l.attention.wk, l.attention.wv, l.attention.wo, l.ffn_norm, l.feed_forward)
                for l in model.layers
            ]
        self._embed, self._norm, self._head = embed, norm, head
        d = self.head_dim
        # MiniMind's frequencies, computed the way precompute_freqs_cis / precompute_pos_cis do.
        inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, d, 2)[: (d // 2)].float() / d))
        self.register_buffer("rope_inv_freq", inv_freq, persistent=False)

    def _rope(self, x, cos, sin):
        half = self.head_dim // 2
        if self.rope_style == "half":  # rotate_half on [x1 | x2], cos/sin tables repeated twice
            cos2, sin2 = torch.cat([cos, cos], dim=-1), torch.cat([sin, sin], dim=-1)
            rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
            return (x * cos2) + (rotated * sin2)
        # interleaved pairs (x0, x1), (x2, x3)...: the complex-number RoPE in real arithmetic
        pairs = _reshape(x, 0, 0, -1, half, 2)
        a, b = pairs[..., 0], pairs[..., 1]
        return _reshape(torch.stack([a * cos - b * sin, a * sin + b * cos], dim=-1), 0, 0, -1, self.head_dim)

    def decode(self, input_ids, attention_mask, position_ids, past, logits_to_keep):
        seq = input_ids.shape[1]
        past_len = past[0][0].shape[2]
        total = past_len + seq
        h = self._embed(input_ids)
        freqs = position_ids.float().unsqueeze(-1) * self.rope_inv_freq  # [batch, seq, head_dim/2]
        cos, sin = freqs.cos().unsqueeze(2), freqs.sin().unsqueeze(2)  # broadcast over heads
        q_pos = torch.arange(seq) + past_len
        k_pos = torch.arange(total)
        causal = torch.zeros(seq, total).masked_fill(k_pos.unsqueeze(0) > q_pos.unsqueeze(1), float("-inf"))
        padding = (1.0 - attention_mask.unsqueeze(1).unsqueeze(2)) * -1e9  # [batch, 1, 1, total]
        bias = causal + padding  # [batch, 1, seq, total], added out of place below
        presents = []
        scale = math.sqrt(self.head_dim)
        heads, kv, d = self.n_heads, self.n_kv, self.head_dim
        for (attn_norm, wq, wk, wv, wo, mlp_norm, mlp), (past_k, past_v) in zip(self._blocks, past):
            x = attn_norm(h)
            q = self._rope(_reshape(wq(x), 0, -1, heads, d), cos, sin)
            k = self._rope(_reshape(wk(x), 0, -1, kv, d), cos, sin)
            v = _reshape(wv(x), 0, -1, kv, d)
            k = torch.cat([past_k, k.transpose(1, 2)], dim=2)  # [batch, kv_heads, total, head_dim]
            v = torch.cat([past_v, v.transpose(1, 2)], dim=2)
            presents.append((k, v))
            # GQA without repeating K/V: query head h reads kv head h // n_rep (MiniMind's repeat_kv), so
            # the n_rep query heads of one kv head are stacked as extra rows of one matmul.
            q = _reshape(q.transpose(1, 2), 0, kv, -1, d)  # [batch, kv_heads, n_rep * seq, head_dim]
            scores = _reshape((q @ k.transpose(-2, -1)) / scale, 0, heads, -1, 0)  # [batch, heads, seq, total]
            scores = scores + bias
            probs = _reshape(F.softmax(scores, dim=-1), 0, kv, -1, 0)
            out = _reshape(probs @ v, 0, heads, -1, d).transpose(1, 2)  # [batch, seq, heads, head_dim]
            h = h + wo(_reshape(out, 0, -1, heads * d))
            h = h + mlp(mlp_norm(h))
        h = self._norm(h)
        h = _KeepLast.apply(h, logits_to_keep)
        vocab, hidden = self._head.weight.shape
        logits = _TiedHead.apply(_reshape(h, -1, hidden), self._head.weight)
        return logits.view(h.shape[0], h.shape[1], vocab), presents

    def empty_past(self, bsz):
        z = torch.zeros(bsz, self.n_kv, 0, self.head_dim)
        return [(z, z) for _ in self._blocks]

    def forward(self, input_ids, attention_mask, *rest):
        if not self.with_cache:
            seq = input_ids.shape[1]
            position_ids = torch.arange(seq).unsqueeze(0).expand(input_ids.shape[0], seq)
            past = self.empty_past(input_ids.shape[0])
            logits, _ = self.decode(input_ids, attention_mask, position_ids, past, torch.tensor(0))
            return logits
        position_ids, flat, logits_to_keep = rest[0], rest[1:-1], rest[-1]
        past = [(flat[2 * i], flat[2 * i + 1]) for i in range(len(flat) // 2)]
        logits, presents = self.decode(input_ids, attention_mask, position_ids, past, logits_to_keep)
        return (logits,) + tuple(t for kv in presents for t in kv)


# --------------------------------------------------------------------------------------------
# Checks against the user's original forward
# --------------------------------------------------------------------------------------------
def original_forward(model, layout, ids, past=None, start_pos=0, attention_mask=None, logits_to_keep=0):
    kwargs = dict(past_key_values=past, use_cache=True, logits_to_keep=logits_to_keep)
    if layout == "legacy":
        kwargs["start_pos"] = start_pos  # that layout takes positions from an explicit argument
    elif attention_mask is not None:
        kwargs["attention_mask"] = attention_mask
    return model(ids, **kwargs)


def rope_table_check(model, layout, dec, n=4096):
    """Our RoPE frequencies vs the model's own tables, which also tells the rotation convention apart."""
    pos = torch.arange(n).float().unsqueeze(-1) * dec.rope_inv_freq
    if layout == "minimind2":
        cos_ref, sin_ref = model.model.freqs_cos[:n], model.model.freqs_sin[:n]
        half = cos_ref.shape[-1] // 2
        return max((cos_ref[:, :half] - pos[: len(cos_ref)].cos()).abs().max().item(),
                   (sin_ref[:, :half] - pos[: len(sin_ref)].sin()).abs().max().item())
    table = model.pos_cis[:n]
    return max((table.real - pos[: len(table)].cos()).abs().max().item(),
               (table.imag - pos[: len(table)].sin()).abs().max().item())


def torch_checks(model, layout, cfg, dec_cache, dec_plain, seed=0):
    g = torch.Generator().manual_seed(seed)
    vocab = cfg["vocab_size"]
    ids = torch.randint(3, vocab, (2, 24), generator=g)
    diffs = {}
    with torch.no_grad():
        ref = original_forward(model, layout, ids).logits
        ones = torch.ones_like(ids)
        pos = torch.arange(24).unsqueeze(0).expand(2, 24)
        ours, _ = dec_cache.decode(ids, ones, pos, dec_cache.empty_past(2), torch.tensor(0))
        diffs["prefill"] = (ours - ref).abs().max().item()
        diffs["plain"] = (dec_plain(ids, ones) - ref).abs().max().item()
        kept, _ = dec_cache.decode(ids, ones, pos, dec_cache.empty_past(2), torch.tensor(5))
        ref_kept = original_forward(model, layout, ids, logits_to_keep=5).logits
        diffs["logitsToKeep"] = max((kept - ref_kept).abs().max().item(), (kept - ref[:, -5:]).abs().max().item())
        # A decode step: prefill 16 tokens, then one token with the cache, against the original's cache.
        pre = original_forward(model, layout, ids[:, :16])
        step = original_forward(model, layout, ids[:, 16:17], past=pre.past_key_values, start_pos=16)
        _, presents = dec_cache.decode(ids[:, :16], ones[:, :16], pos[:, :16], dec_cache.empty_past(2), torch.tensor(0))
        ours_step, ours_presents = dec_cache.decode(ids[:, 16:17], ones[:, :17], pos[:, 16:17], presents, torch.tensor(0))
        diffs["decodeStep"] = (ours_step - step.logits).abs().max().item()
        diffs["decodeStepVsFullForward"] = (ours_step[:, 0] - ref[:, 16]).abs().max().item()
        diffs["presentCache"] = max(
            (ok - rk.transpose(1, 2)).abs().max().item()
            for (ok, ov), (rk, rv) in zip(ours_presents, step.past_key_values)
            for ok, rk in ((ok, rk), (ov, rv))
        )
        # Right padding: row 1 has 17 real tokens then padding; its real rows must match an unpadded run.
        padded = ids.clone()
        padded[1, 17:] = 0
        mask = torch.ones_like(ids)
        mask[1, 17:] = 0
        ours_pad, _ = dec_cache.decode(padded, mask, pos, dec_cache.empty_past(2), torch.tensor(0))
        alone = original_forward(model, layout, ids[1:, :17]).logits
        diffs["rightPadding"] = max((ours_pad[1, :17] - alone[0]).abs().max().item(),
                                    (ours_pad[0] - ref[0]).abs().max().item(),
                                    (dec_plain(padded, mask)[1, :17] - alone[0]).abs().max().item())
    # A small golden sample for whoever loads the export: the logits of row 11 for ids[0, :12].
    probe = {
        "inputIds": ids[0, :12].tolist(),
        "lastRowLogitsFirst8": [round(x, 6) for x in ref[0, 11, :8].tolist()],
        "argmaxPerRow": ref[0, :12].argmax(-1).tolist(),
    }
    return diffs, ids, probe


def onnx_runtime_checks(files, dec_cache, cfg, ids):
    """The exported files run by onnxruntime (Python) against the export form in PyTorch; None without it."""
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    import numpy as np

    diffs = {}
    with torch.no_grad():
        pos = torch.arange(ids.shape[1]).unsqueeze(0).expand_as(ids)
        ref, presents = dec_cache.decode(ids, torch.ones_like(ids), pos, dec_cache.empty_past(2), torch.tensor(0))
        ref_step, _ = dec_cache.decode(ids[:, -1:], torch.ones(2, ids.shape[1] + 1, dtype=torch.int64),
                                       torch.full((2, 1), ids.shape[1]), presents, torch.tensor(0))
    ones = np.ones_like(ids.numpy())
    # Next-token targets for the scoring nodes (--target-logprobs); the last row's target is unused.
    targets = np.zeros(ids.shape + (1,), np.int64)
    targets[:, :-1, 0] = ids[:, 1:].numpy()
    ref_lp = torch.log_softmax(ref.double(), dim=-1).gather(2, torch.from_numpy(targets)).numpy()[:, :-1]

    def check_targets(sess, feed, form):
        if TARGET_IDS not in {i.name for i in sess.get_inputs()}:
            return
        lp, am = sess.run([TARGET_LOGPROBS, ARGMAX], dict(feed, **{TARGET_IDS: targets}))
        diffs[f"{form}TargetLogprobs"] = float(np.abs(lp[:, :-1] - ref_lp).max())
        diffs[f"{form}ArgmaxMismatches"] = int((am != ref.numpy().argmax(-1)).sum())

    if "plain" in files:
        plain = ort.InferenceSession(files["plain"], providers=["CPUExecutionProvider"])
        feed = {"input_ids": ids.numpy(), "attention_mask": ones}
        if TARGET_IDS in {i.name for i in plain.get_inputs()}:
            feed[TARGET_IDS] = targets
        logits = plain.run(["logits"], feed)[0]
        diffs["plain"] = float(np.abs(logits - ref.numpy()).max())
        check_targets(plain, feed, "plain")
    if "optimum" in files:
        sess = ort.InferenceSession(files["optimum"], providers=["CPUExecutionProvider"])
        n_layers = cfg["num_hidden_layers"]
        empty = np.zeros((2, cfg["num_key_value_heads"], 0, cfg["hidden_size"] // cfg["num_attention_heads"]), np.float32)
        feed = {"input_ids": ids.numpy(), "attention_mask": ones, "position_ids": pos.numpy(),
                "logits_to_keep": np.array(0, dtype=np.int64)}
        for i in range(n_layers):
            feed[f"past_key_values.{i}.key"] = feed[f"past_key_values.{i}.value"] = empty
        with_targets = TARGET_IDS in {i.name for i in sess.get_inputs()}
        if with_targets:
            feed[TARGET_IDS] = targets
        outs = sess.run(None, feed)  # logits, present.0.key, present.0.value, ... (scoring outputs last)
        diffs["prefill"] = float(np.abs(outs[0] - ref.numpy()).max())
        step = {"input_ids": ids[:, -1:].numpy(), "attention_mask": np.ones((2, ids.shape[1] + 1), np.int64),
                "position_ids": np.full((2, 1), ids.shape[1], np.int64), "logits_to_keep": np.array(0, dtype=np.int64)}
        for i in range(n_layers):
            step[f"past_key_values.{i}.key"], step[f"past_key_values.{i}.value"] = outs[1 + 2 * i], outs[2 + 2 * i]
        if with_targets:
            step[TARGET_IDS] = np.zeros((ids.shape[0], 1, 1), np.int64)
            check_targets(sess, feed, "prefill")
        diffs["decodeStep"] = float(np.abs(sess.run(["logits"], step)[0] - ref_step.numpy()).max())
    return diffs


# --------------------------------------------------------------------------------------------
# Export and graph post-processing
# --------------------------------------------------------------------------------------------
def export_forms(dec_cache, dec_plain, cfg, out_dir, opset, forms):
    n_layers, n_kv = cfg["num_hidden_layers"], cfg["num_key_value_heads"]
    head_dim = cfg["hidden_size"] // cfg["num_attention_heads"]
    files = {}
    if "optimum" in forms:
        bsz, seq, past = 2, 5, 3
        past_names, present_names, args = [], [], []
        for i in range(n_layers):
            for kind in ("key", "value"):
                past_names.append(f"past_key_values.{i}.{kind}")
                present_names.append(f"present.{i}.{kind}")
                args.append(torch.randn(bsz, n_kv, past, head_dim))
        inputs = ["input_ids", "attention_mask", "position_ids"] + past_names + ["logits_to_keep"]
        dyn = {
            "input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "logits_rows"},
        }
        for name in past_names:
            dyn[name] = {0: "batch_size", 2: "past_sequence_length"}
        for name in present_names:
            dyn[name] = {0: "batch_size", 2: "total_sequence_length"}
        example = (
            torch.randint(3, cfg["vocab_size"], (bsz, seq)),
            torch.ones(bsz, past + seq, dtype=torch.int64),
            torch.arange(past, past + seq).unsqueeze(0).expand(bsz, seq).contiguous(),
            *args,
            torch.tensor(0, dtype=torch.int64),
        )
        path = os.path.join(out_dir, "model.onnx")
        _export(dec_cache, example, path, inputs, ["logits"] + present_names, dyn, opset)
        files["optimum"] = path
    if "plain" in forms:
        example = (torch.randint(3, cfg["vocab_size"], (2, 5)), torch.ones(2, 5, dtype=torch.int64))
        dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"},
               "attention_mask": {0: "batch_size", 1: "sequence_length"},
               "logits": {0: "batch_size", 1: "sequence_length"}}
        path = os.path.join(out_dir, "model.plain.onnx")
        _export(dec_plain, example, path, ["input_ids", "attention_mask"], ["logits"], dyn, opset)
        files["plain"] = path
    return files


def _export(module, example, path, input_names, output_names, dynamic_axes, opset):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shape arithmetic, all dynamic here
        torch.onnx.export(
            module, example, path,
            input_names=input_names, output_names=output_names, dynamic_axes=dynamic_axes,
            opset_version=opset, do_constant_folding=False,
        )
    fold_weight_transposes(path)


def fold_weight_transposes(path):
    """torch.onnx writes Linear as MatMul(x, Transpose(W)). Fold each such Transpose into its weight and
    keep the state_dict key as the initializer's name (the stored value is then W^T, [in, out]).
    torch's own constant folding would do the same but name the result onnx::MatMul_NNN."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(path)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    uses = {}
    for node in g.node:
        for name in node.input:
            uses[name] = uses.get(name, 0) + 1
    keep = []
    renames = {}
    for node in g.node:
        perm = [list(a.ints) for a in node.attribute if a.name == "perm"]
        if node.op_type == "Transpose" and node.input[0] in inits and uses[node.input[0]] == 1 and perm in ([], [[1, 0]]):
            t = inits[node.input[0]]
            arr = numpy_helper.to_array(t).T.copy()
            t.CopyFrom(numpy_helper.from_array(arr, t.name))
            renames[node.output[0]] = t.name
            continue
        keep.append(node)
    # torch.onnx merges parameters with identical values (all-ones RMSNorm weights of a fresh model) into
    # one initializer plus Identity nodes; give each state_dict key its own initializer again.
    nodes, keep = keep, []
    for node in nodes:
        if node.op_type == "Identity" and node.input[0] in inits and not node.output[0].startswith("onnx::"):
            copy = onnx.TensorProto()
            copy.CopyFrom(inits[node.input[0]])
            copy.name = node.output[0]
            g.initializer.append(copy)
            continue
        keep.append(node)
    del g.node[:]
    g.node.extend(keep)
    for node in g.node:
        for i, name in enumerate(node.input):
            if name in renames:
                node.input[i] = renames[name]
    onnx.save(m, path)
    return sorted(renames.values())


TARGET_IDS, TARGET_LOGPROBS, ARGMAX = "target_ids", "target_logprobs", "argmax"


def add_target_outputs(path):
    """LossLens' scoring nodes (src/main/engine/graph-targets.ts appends the same ones in memory): the
    log-probability of K given target ids per logit row, computed in float32 by onnxruntime, and each
    row's argmax, so a forward need not return [batch, rows, vocab] logits."""
    import onnx
    from onnx import TensorProto, helper

    m = onnx.load(path)
    g = m.graph
    prefix = "losslens_graph_targets/"
    g.node.extend([
        helper.make_node("LogSoftmax", ["logits"], [prefix + "logprobs"], name=prefix + "logprobs", axis=2),
        helper.make_node("GatherElements", [prefix + "logprobs", TARGET_IDS], [TARGET_LOGPROBS],
                         name=TARGET_LOGPROBS, axis=2),
        helper.make_node("ArgMax", ["logits"], [ARGMAX], name=ARGMAX, axis=2, keepdims=0),
    ])
    g.input.append(helper.make_tensor_value_info(TARGET_IDS, TensorProto.INT64, ["batch_size", "target_rows", "target_k"]))
    g.output.append(helper.make_tensor_value_info(TARGET_LOGPROBS, TensorProto.FLOAT,
                                                  ["batch_size", "target_rows", "target_k"]))
    g.output.append(helper.make_tensor_value_info(ARGMAX, TensorProto.INT64, ["batch_size", "target_rows"]))
    onnx.save(m, path)


def graph_summary(path):
    import onnx

    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = {}
    for node in m.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    if "ScatterND" in ops:
        raise ExportError(f"{path}: the graph still contains ScatterND")

    def io(values):
        out = []
        for v in values:
            tt = v.type.tensor_type
            dims = [d.dim_param or d.dim_value for d in tt.shape.dim]
            dtype = {"FLOAT": "float32", "DOUBLE": "float64"}.get(onnx.TensorProto.DataType.Name(tt.elem_type))
            out.append({"name": v.name, "dtype": dtype or onnx.TensorProto.DataType.Name(tt.elem_type).lower(), "shape": dims})
        return out

    inits = [{"name": t.name, "shape": list(t.dims)} for t in m.graph.initializer if len(t.dims) >= 1]
    return {
        "inputs": io(m.graph.input),
        "outputs": io(m.graph.output),
        "opset": max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")),
        "ops": dict(sorted(ops.items())),
        "initializers": inits,
    }


def set_metadata(path, props):
    import onnx

    m = onnx.load(path)
    del m.metadata_props[:]
    for k, v in props.items():
        entry = m.metadata_props.add()
        entry.key, entry.value = k, v
    m.producer_name = "losslens-export"
    onnx.save(m, path)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------
def find_tokenizer(given, checkout):
    if given:
        if not os.path.isfile(given):
            raise ExportError(f"tokenizer not found: {given}")
        return given
    for cand in ("model/tokenizer.json", "model/minimind_tokenizer/tokenizer.json", "tokenizer.json"):
        p = os.path.join(checkout, cand)
        if os.path.isfile(p):
            return p
    return None


def rel_or_abs(path, start):
    path = os.path.abspath(path)
    rel = os.path.relpath(path, os.path.abspath(start))
    return rel if not rel.startswith(".." + os.sep + ".." + os.sep + "..") else path


def parse_args(argv):
    p = argparse.ArgumentParser(description="Export a MiniMind .pth checkpoint to ONNX (Optimum decoder form and plain form).")
    p.add_argument("--checkpoint", required=True, help="fp16/bf16/fp32 state_dict (.pth) or .safetensors, or a "
                   "transformers-format folder (config.json + model.safetensors or pytorch_model.bin)")
    p.add_argument("--minimind-dir", required=True, help="your MiniMind checkout (its model/ code is imported)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--config", help="config.json (MiniMind2/HF names or LMConfig names)")
    p.add_argument("--hidden-size", type=int)
    p.add_argument("--num-layers", type=int)
    p.add_argument("--num-heads", type=int)
    p.add_argument("--num-kv-heads", type=int)
    p.add_argument("--vocab-size", type=int)
    p.add_argument("--intermediate-size", type=int)
    p.add_argument("--rope-theta", type=float)
    p.add_argument("--rms-norm-eps", type=float)
    p.add_argument("--max-position-embeddings", type=int)
    p.add_argument("--tokenizer", help="tokenizer.json (default: the checkout's model/tokenizer.json)")
    p.add_argument("--no-copy-tokenizer", action="store_true",
                   help="record the tokenizer's path relative to --out in manifest.json instead of copying it")
    p.add_argument("--probe-data", help="JSON/JSONL of {\"text\": ...} rows like the training data: used to check the "
                   "head count when it is neither given nor in a config (default: a built-in English and Chinese text)")
    p.add_argument("--forms", default="optimum,plain", help="comma-separated: optimum, plain")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--target-logprobs", action="store_true",
                   help="also write LossLens' scoring nodes into each form: input target_ids [batch, rows, K], outputs "
                   "target_logprobs (log-softmax of the logits at the target ids) and argmax [batch, rows]")
    p.add_argument("--label", help="a label recorded in manifest.json")
    p.add_argument("--step", type=int, help="the training step the checkpoint was saved at, on the training log's axis "
                   "((epoch - 1) * iter_per_epoch + step in epoch), recorded in manifest.json")
    return p.parse_args(argv)


def run(args):
    forms = [f.strip() for f in args.forms.split(",") if f.strip()]
    bad = [f for f in forms if f not in ("optimum", "plain")]
    if bad or not forms:
        raise ExportError(f"--forms must list optimum and/or plain, got {args.forms!r}")
    if args.step is not None and args.step < 0:
        raise ExportError(f"--step must be a training step >= 0, got {args.step}")
    layout = detect_layout(args.minimind_dir)
    folder = args.checkpoint if os.path.isdir(args.checkpoint) else None
    args.checkpoint = resolve_checkpoint(args.checkpoint)
    if folder and not args.tokenizer and os.path.isfile(os.path.join(folder, "tokenizer.json")):
        args.tokenizer = os.path.join(folder, "tokenizer.json")
    state_dict, notes = load_state_dict(args.checkpoint)
    if folder:
        notes.append(f"transformers-format folder {folder}: weights from {os.path.basename(args.checkpoint)}")
    n_file = len(state_dict)
    if any(".mlp.experts." in k or ".feed_forward.experts." in k for k in state_dict):
        raise ExportError("MoE checkpoints are not supported by this exporter")
    spec = LAYOUTS[layout]
    if spec["embed"] not in state_dict:
        other = checkpoint_layout(state_dict)
        why = f"it uses the {other} naming" if other else "no embedding tensor with either naming"
        raise ExportError(f"strict load failed: the checkout is {layout} but the checkpoint has no {spec['embed']} ({why})")
    a, b = spec["tied"]
    if (a in state_dict) != (b in state_dict):  # safetensors files usually store a tied pair once
        have, missing = (a, b) if a in state_dict else (b, a)
        state_dict[missing] = state_dict[have]
        notes.append(f"{missing} taken from {have} (tied weights, stored once in the file)")
    given = read_config_file(args.config) if args.config else {}
    config_source = args.config
    if not args.config:
        found = config_beside(args.checkpoint)
        if found:
            config_source, given = found
    for canon, value in (("hidden_size", args.hidden_size), ("num_hidden_layers", args.num_layers),
                         ("num_attention_heads", args.num_heads), ("num_key_value_heads", args.num_kv_heads),
                         ("vocab_size", args.vocab_size), ("intermediate_size", args.intermediate_size),
                         ("rope_theta", args.rope_theta), ("rms_norm_eps", args.rms_norm_eps),
                         ("max_position_embeddings", args.max_position_embeddings)):
        if value is not None:
            given[canon] = value
    cfg, how = infer_config(state_dict, layout, given)
    if config_source:
        for name in cfg:
            if how[name] == "given" and args.config is None and name in given:
                how[name] = f"from {config_source}"
    dtypes = sorted({str(v.dtype).replace("torch.", "") for v in state_dict.values()})
    print(f"checkout: {args.minimind_dir} ({layout}: {' + '.join(spec['files'])})")
    print(f"checkpoint: {args.checkpoint} ({n_file} tensors, {'/'.join(dtypes)})")
    for note in notes:
        print(f"  note: {note}")
    if config_source and not args.config:
        print(f"config: {config_source} (found beside the checkpoint)")

    config_cls, model_cls = import_layout(args.minimind_dir, layout)
    tok = find_tokenizer(args.tokenizer, args.minimind_dir)
    if how["num_attention_heads"].startswith("MiniMind default"):
        texts = read_probe_data(args.probe_data) if args.probe_data else PROBE_TEXTS
        losses, probe_note, confident = probe_head_count(config_cls, model_cls, layout, cfg, state_dict, tok, texts)
        how["num_attention_heads"] += f"; {probe_note}"
        if not confident:
            print(f"warning: num_attention_heads = {cfg['num_attention_heads']} is MiniMind's default, not read from the "
                  f"checkpoint, and could not be checked; if you trained with another value, give --num-heads or "
                  f"--config, or the export computes a different model")
    for name in cfg:
        print(f"  {name} = {cfg[name]}  ({how[name]})")
    model = build_model(config_cls, model_cls, layout, cfg, state_dict)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"loaded strictly into {model_cls.__name__}: {len(model.state_dict())} keys, {n_params:,} parameters, float32")

    dec_cache = ExportDecoder(model, layout, cfg, with_cache=True).eval()
    dec_plain = ExportDecoder(model, layout, cfg, with_cache=False).eval()
    rope_diff = rope_table_check(model, layout, dec_cache)
    if rope_diff > 1e-4:
        raise ExportError(f"the model's RoPE tables differ from MiniMind's (max |diff| {rope_diff:.3g}): unsupported variant")
    diffs, probe_ids, probe = torch_checks(model, layout, cfg, dec_cache, dec_plain)
    worst = max(diffs.values())
    print("PyTorch check, export-form vs your original forward (max |diff| of logits):")
    for k, v in diffs.items():
        print(f"  {k:24s} {v:.3g}")
    if worst > 1e-3:
        raise ExportError(f"the export form differs from the original forward by {worst:.3g}: not exported")

    os.makedirs(args.out, exist_ok=True)
    files = export_forms(dec_cache, dec_plain, cfg, args.out, args.opset, forms)
    if args.target_logprobs:
        for path in files.values():
            add_target_outputs(path)
    meta = {"losslens.config": json.dumps(cfg, sort_keys=True), "losslens.source_layout": layout}
    form_info = {}
    for form, path in files.items():
        set_metadata(path, dict(meta, **{"losslens.form": form}))
        summary = graph_summary(path)
        form_info[form] = {"file": os.path.basename(path), "sha256": sha256_file(path), "bytes": os.path.getsize(path), **summary}
        print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB, opset {summary['opset']}, no ScatterND)")

    onnx_diffs = onnx_runtime_checks(files, dec_cache, cfg, probe_ids)
    if onnx_diffs is None:
        onnx_note = "onnxruntime (Python) is not importable here: the ONNX-vs-PyTorch check is left to LossLens"
        print(onnx_note)
    else:
        onnx_note = "onnxruntime (Python) vs PyTorch on the same inputs"
        print("ONNX check (onnxruntime vs PyTorch, max |diff| of logits): " + ", ".join(f"{k} {v:.3g}" for k, v in onnx_diffs.items()))

    tok_info = None
    if tok:
        if args.no_copy_tokenizer:
            tok_info = {"file": rel_or_abs(tok, args.out), "sha256": sha256_file(tok), "copied": False}
        else:
            shutil.copyfile(tok, os.path.join(args.out, "tokenizer.json"))
            tok_info = {"file": "tokenizer.json", "sha256": sha256_file(tok), "copied": True, "source": tok}
            tc = os.path.join(os.path.dirname(tok), "tokenizer_config.json")
            if os.path.isfile(tc):
                shutil.copyfile(tc, os.path.join(args.out, "tokenizer_config.json"))
                tok_info["config"] = "tokenizer_config.json"
        print(f"tokenizer: {tok_info['file']}")
    else:
        print("tokenizer: none found (give --tokenizer); LossLens needs tokenizer.json beside the model")

    manifest = {
        "format": "losslens-onnx-export/1",
        "label": args.label,
        **({"step": args.step} if args.step is not None else {}),
        "source": {
            "checkpoint": rel_or_abs(args.checkpoint, args.out),
            "sha256": sha256_file(args.checkpoint),
            "bytes": os.path.getsize(args.checkpoint),
            "dtypes": dtypes,
            "stateDictKeys": n_file,
            "layout": layout,
            "modelClass": model_cls.__name__,
            "notes": notes,
        },
        "config": cfg,
        "configProvenance": how,
        "headDim": cfg["hidden_size"] // cfg["num_attention_heads"],
        "parameters": n_params,
        "tiedWeights": [a, b],
        "versions": {"torch": torch.__version__, "onnx": __import__("onnx").__version__, "python": sys.version.split()[0]},
        "opset": args.opset,
        "dtype": "float32",
        "forms": form_info,
        "attention": MASK_NOTE,
        "kvCache": "Optimum layout [batch, kv_heads, seq, head_dim] (MiniMind's own cache is [batch, seq, kv_heads, head_dim]); "
                   "keys are stored after RoPE; positions come from position_ids",
        "targetLogprobs": ("input target_ids int64 [batch, rows, K]; outputs target_logprobs float32 [batch, rows, K] "
                           "= GatherElements(LogSoftmax(logits, axis 2), target_ids) and argmax int64 [batch, rows] "
                           "= ArgMax(logits, axis 2)") if args.target_logprobs else None,
        "logitsToKeep": "0-d int64 input: 0 = all rows, k > 0 = the last k rows (MiniMind's slice(-k, None))",
        "weights": "initializers are named by their state_dict keys; Linear weights are stored transposed ([in, out]) "
                   "for MatMul; the tied embedding/lm_head matrix is stored once, used by Gather and by Gemm(transB=1)",
        "verification": {
            "pytorch": {"what": "export form (eager) vs the original forward", "maxAbsDiff": diffs, "ropeTableMaxAbsDiff": rope_diff},
            "onnx": onnx_diffs,
            "onnxNote": onnx_note,
            "probe": probe,
        },
        "tokenizer": tok_info,
    }
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {os.path.join(args.out, 'manifest.json')}")
    return manifest


def main(argv=None):
    args = parse_args(argv)
    try:
        run(args)
    except ExportError as err:
        print(f"export_onnx: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
