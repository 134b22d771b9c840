#!/usr/bin/env python3
"""Write test/fixtures/weights/: small checkpoints and an ONNX export for LossLens' weight verification.

    /usr/bin/python3 tools/make_weight_fixtures.py [--out test/fixtures/weights]

A tiny MiniMind-compat model (hidden 32, 2 layers, 4 heads, 2 kv heads, vocab 256, seed 0) is saved in
several forms, exported with tools/export_onnx.py, and README.md records what a verifier should say
about each file (with the differences measured here). Deterministic: re-running rewrites the same bytes.
"""
import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import safetensors_io  # noqa: E402
from reference_measures import load_compat_module  # noqa: E402

TINY = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, vocab_size=256)
OTHER = dict(hidden_size=48, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=4, vocab_size=256)
PERTURBED_KEY = "model.layers.1.self_attn.v_proj.weight"
PWNED = "/tmp/losslens-pwned"

LEGACY_NAMES = [  # MiniMind2 key fragment -> the older naming
    ("model.embed_tokens.", "tok_embeddings."),
    ("model.layers.", "layers."),
    ("self_attn.q_proj", "attention.wq"),
    ("self_attn.k_proj", "attention.wk"),
    ("self_attn.v_proj", "attention.wv"),
    ("self_attn.o_proj", "attention.wo"),
    ("input_layernorm", "attention_norm"),
    ("post_attention_layernorm", "ffn_norm"),
    ("mlp.gate_proj", "feed_forward.w1"),
    ("mlp.down_proj", "feed_forward.w2"),
    ("mlp.up_proj", "feed_forward.w3"),
    ("model.norm.", "norm."),
    ("lm_head.", "output."),
]


def legacy_name(key):
    for a, b in LEGACY_NAMES:
        key = key.replace(a, b)
    return key


def make_state(mod, cfg, seed):
    torch.manual_seed(seed)
    model = mod.MiniMindForCausalLM(mod.MiniMindConfig(**cfg))
    with torch.no_grad():
        # Give every RMSNorm its own values: a fresh model's are all ones, which makes value matching ambiguous.
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.copy_(1 + 0.1 * torch.randn_like(p))
    return model.state_dict()


def write_malicious(path):
    """A torch zip checkpoint whose data.pkl calls os.system through GLOBAL + REDUCE.
    Harmless payload (it writes a marker file); a safe loader must refuse it without running it."""
    payload = (
        b"\x80\x02"  # PROTO 2
        b"cos\nsystem\n"  # GLOBAL os.system
        + b"X" + len(f"echo pwned > {PWNED}").to_bytes(4, "little") + f"echo pwned > {PWNED}".encode()  # BINUNICODE
        + b"\x85"  # TUPLE1
        b"R"  # REDUCE: os.system("echo pwned > ...")
        b"."  # STOP
    )
    pickle_ops = [op.name for op, _, _ in __import__("pickletools").genops(payload)]
    assert pickle_ops == ["PROTO", "GLOBAL", "BINUNICODE", "TUPLE1", "REDUCE", "STOP"], pickle_ops
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in (("malicious/data.pkl", payload), ("malicious/version", b"3\n")):
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            z.writestr(info, data)


def onnx_initializers(path):
    m = onnx.load(path)
    return {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}


def verify(state, inits):
    """What a verifier should report: each unique checkpoint tensor matched by name, allowing the
    transposed storage of MatMul weights and the tied lm_head/embedding pair (MiniMind saves both keys,
    as separate fp16 copies). Returns (matched, total, worst, rows)."""
    rows = []
    for key, t in state.items():
        arr = t.float().numpy()
        embed = state.get("model.embed_tokens.weight")
        if key == "lm_head.weight" and embed is not None and torch.equal(t, embed):
            continue  # the tied copy: one unique tensor with model.embed_tokens.weight
        cand = inits.get(key)
        if cand is None:
            rows.append((key, None, "absent"))
            continue
        # Square matrices (q_proj, o_proj here) fit either way round: try both orientations.
        options = []
        if cand.shape == arr.shape:
            options.append((float(np.abs(cand - arr).max()), "same layout"))
        if arr.ndim == 2 and cand.shape == arr.T.shape:
            options.append((float(np.abs(cand - arr.T).max()), "transposed"))
        if options:
            diff, how = min(options)
            rows.append((key, diff, how))
        else:
            rows.append((key, None, f"shape {list(cand.shape)} vs {list(arr.shape)}"))
    matched = sum(1 for _, d, _ in rows if d == 0.0)
    worst = max((d for _, d, _ in rows if d is not None), default=None)
    return matched, len(rows), worst, rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(ROOT, "test", "fixtures", "weights"))
    args = p.parse_args(argv)
    out = args.out
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    torch.set_num_threads(1)
    mod = load_compat_module()

    base = make_state(mod, TINY, seed=0)
    fp16 = {k: v.half() for k, v in base.items()}
    # The fp16 checkpoint is the reference: every other form is derived from its values.
    model = mod.MiniMindForCausalLM(mod.MiniMindConfig(**TINY))
    model.load_state_dict(fp16)
    state = model.state_dict()  # float32, tied storage like a real model's state_dict()
    torch.save({k: v.half() for k, v in state.items()}, os.path.join(out, "tiny.pth"))
    torch.save({k: v.to(torch.bfloat16) for k, v in state.items()}, os.path.join(out, "tiny_bf16.pth"))
    torch.save({k: v.clone() for k, v in state.items()}, os.path.join(out, "tiny_fp32.pth"))
    safetensors_io.save_file(
        {k: v.half() for k, v in state.items() if k != "lm_head.weight"},  # tied copy left out, as HF does
        os.path.join(out, "tiny.safetensors"),
        metadata={"format": "pt"},
    )
    perturbed = {k: v.half().clone() for k, v in state.items()}
    perturbed[PERTURBED_KEY][:4, :] += 0.25
    torch.save(perturbed, os.path.join(out, "tiny_perturbed.pth"))
    torch.save({k: v.half() for k, v in make_state(mod, OTHER, seed=1).items()}, os.path.join(out, "other_model.pth"))
    torch.save({legacy_name(k): v.half() for k, v in state.items()}, os.path.join(out, "legacy_names.pth"))
    write_malicious(os.path.join(out, "malicious.pth"))

    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, os.path.join(HERE, "export_onnx.py"), "--checkpoint", os.path.join(out, "tiny.pth"),
               "--minimind-dir", os.path.join(HERE, "minimind_compat"), "--num-heads", str(TINY["num_attention_heads"]),
               "--forms", "optimum", "--out", tmp, "--label", "tiny"]
        subprocess.run(cmd, check=True)
        shutil.copyfile(os.path.join(tmp, "model.onnx"), os.path.join(out, "tiny.onnx"))
        with open(os.path.join(tmp, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
    manifest["source"]["checkpoint"] = "tiny.pth"
    manifest["forms"]["optimum"]["file"] = "tiny.onnx"
    with open(os.path.join(out, "tiny.manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")

    # Check the refusal we expect from a safe loader, without ever running the payload.
    try:
        torch.load(os.path.join(out, "malicious.pth"), weights_only=True)
        raise SystemExit("malicious.pth loaded with weights_only=True: the fixture is wrong")
    except pickle.UnpicklingError as err:
        refusal = str(err).strip().splitlines()[0].split("WeightsUnpickler error: ")[-1]
    assert not os.path.exists(PWNED) or print(f"note: {PWNED} exists from something else")

    inits = onnx_initializers(os.path.join(out, "tiny.onnx"))
    results = {}
    for name in ("tiny.pth", "tiny_fp32.pth", "tiny_bf16.pth", "tiny_perturbed.pth", "other_model.pth"):
        sd = torch.load(os.path.join(out, name), map_location="cpu", weights_only=True)
        results[name] = verify(sd, inits)
    st = safetensors_io.load_file(os.path.join(out, "tiny.safetensors"))
    results["tiny.safetensors"] = verify(st, inits)
    legacy = torch.load(os.path.join(out, "legacy_names.pth"), map_location="cpu", weights_only=True)
    back = {k: v for k, v in state.items()}
    renamed = {k: legacy[legacy_name(k)] for k in back}
    results["legacy_names.pth (names mapped)"] = verify(renamed, inits)
    for name, (m, n, worst, rows) in results.items():
        print(f"{name:32s} {m}/{n} matched exactly, max abs diff {worst}")
    write_readme(out, results, refusal, inits, state)


def write_readme(out, results, refusal, inits, state):
    def line(name):
        m, n, worst, rows = results[name]
        return f"{m}/{n} unique tensors matched exactly, max abs diff {worst:.6g}"

    _, _, _, pert_rows = results["tiny_perturbed.pth"]
    pert = [r for r in pert_rows if r[1]]
    _, _, bf16_worst, _ = results["tiny_bf16.pth"]
    bf16 = torch.load(os.path.join(out, "tiny_bf16.pth"), map_location="cpu", weights_only=True)
    bf16_rel = max(float(((bf16[k].float() - v) / v).abs().max()) for k, v in state.items())
    other_rows = results["other_model.pth"][3]
    other_bad = sum(1 for r in other_rows if r[1] is None)
    n_keys = len(state)
    n_init = len([k for k, v in inits.items() if v.ndim >= 1])
    sizes = {f: os.path.getsize(os.path.join(out, f)) for f in sorted(os.listdir(out)) if f != "README.md"}
    text = f"""# Weight-verification fixtures

Written by `tools/make_weight_fixtures.py` (do not edit by hand; re-run it). A tiny MiniMind-compat model
(`tools/minimind_compat`): hidden 32, 2 layers, 4 heads (head_dim 8), 2 kv heads, intermediate 128,
vocab 256, tied embedding / lm_head, torch seed 0, RMSNorm weights set to 1 + 0.1·N(0,1) so that every
tensor has its own values. Its state_dict has {n_keys} keys = {n_keys - 1} unique tensors (`lm_head.weight`
is `model.embed_tokens.weight`).

All checkpoints below hold the same values as `tiny.pth` (fp16) unless said otherwise; `tiny.onnx` was
exported from `tiny.pth` by `tools/export_onnx.py` (float32, Optimum form), so fp16 -> fp32 is exact.

## How the ONNX file stores the weights
- {n_init} initializers, named exactly by their state_dict keys (MiniMind2 naming).
- Linear weights (`*_proj.weight`) are stored **transposed**, [in, out], because the graph uses
  `MatMul(x, W^T)`; RMSNorm weights and the embedding are stored as they are. `q_proj` and `o_proj`
  are square here (32 x 32), so their shape cannot tell the orientation: compare both ways round.
- The tied pair is stored once, as `model.embed_tokens.weight` [256, 32]; the graph uses it for the
  embedding `Gather` and for the logits `Gemm(transB=1)`. There is no `lm_head.weight` initializer.
- `tiny.manifest.json` is the exporter's manifest for this file (config, source SHA-256, forms).

## Files and the expected verification result

| file | what | expected result |
|---|---|---|
| `tiny.onnx` | the export ({sizes['tiny.onnx']:,} bytes) | the model the others are checked against |
| `tiny.pth` | fp16 state_dict, torch.save zip format, {n_keys} keys (`lm_head.weight` a separate copy equal to `model.embed_tokens.weight`, as MiniMind saves it) | match: {line('tiny.pth')} |
| `tiny_fp32.pth` | the same values in float32 | match: {line('tiny_fp32.pth')} |
| `tiny_bf16.pth` | the float32 values rounded to bfloat16 | match within bf16 rounding only: {line('tiny_bf16.pth')} (largest relative error {bf16_rel:.3g} ≤ 2^-8, bf16's rounding bound); a verifier should say "matched within bf16 precision", not "exact" |
| `tiny.safetensors` | fp16, written by hand in the safetensors format (8-byte LE header length, JSON header, raw data); the tied `lm_head.weight` left out, as Hugging Face does; `__metadata__` {{"format": "pt"}} | match: {line('tiny.safetensors')} |
| `tiny_perturbed.pth` | fp16, `{PERTURBED_KEY}` rows 0-3 increased by 0.25 | mismatch in exactly one tensor: `{pert[0][0] if pert else '?'}` max abs diff {pert[0][1] if pert else '?'}; the other {results["tiny_perturbed.pth"][0]} of {results["tiny_perturbed.pth"][1]} unique tensors match exactly |
| `other_model.pth` | a different model: hidden 48, 3 layers, 4 kv heads, vocab 256 | not this model: {other_bad} of {len(other_rows)} tensors have other shapes or are absent from the ONNX (`model.layers.2.*`) |
| `legacy_names.pth` | the same fp16 values under the older MiniMind naming (`tok_embeddings`, `layers.N.attention.wq`, `attention_norm`, `ffn_norm`, `feed_forward.w1/w2/w3`, `norm`, `output`) | by name alone nothing matches; with the name map below (or matching by value): {line('legacy_names.pth (names mapped)')} |
| `malicious.pth` | a torch zip (`malicious/data.pkl`, `malicious/version`) whose pickle is `GLOBAL os system`, `BINUNICODE "echo pwned > {PWNED}"`, `TUPLE1`, `REDUCE` | refused without executing anything: the pickle calls `os.system`. torch.load(weights_only=True) says: `{refusal}`. If `{PWNED}` ever appears, something unpickled it unsafely |

Name map for the older layout (MiniMind2 -> older): {', '.join(f'`{a}` -> `{b}`' for a, b in LEGACY_NAMES)}.

The bf16 figure: max abs diff {bf16_worst:.6g} over all tensors.

Sizes (bytes): {', '.join(f'{k} {v:,}' for k, v in sizes.items())}.
"""
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
