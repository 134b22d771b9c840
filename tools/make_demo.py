#!/usr/bin/env python3
"""Re-create resources/demo/ from scratch: LossLens' demo experiment, a small replay of the seed report.

    /usr/bin/python3 tools/make_demo.py [--out resources/demo]

1. Corpus: English docstrings of Python's standard library on this machine (PSF licence), cut into rows
   of 150-255 tokens of MiniMind's tokenizer; some modules are held out entirely for eval_heldout.json.
2. Training: a MiniMind-architecture model (tools/minimind_compat; hidden 96, 4 layers, 4 heads, 2 kv
   heads, vocab 6400) trained with MiniMind's pretrain convention (max_length padding, X = ids[:-1],
   Y = ids[1:], loss_mask = (ids != pad)[1:], gradient accumulation, MiniMind's cosine lr, grad clip 1),
   logging MiniMind's 2025 line with the single micro-batch's loss, on CPU with fixed seeds.
3. Two fp16 checkpoints (early and final), each exported by tools/export_onnx.py.
4. Eval sets, reference numbers (tools/reference_measures.py), manifest.json with SHA-256 of every file.
It then checks that the demo tells the seed's story and exits non-zero if it does not.
Deterministic for a given machine (torch build, BLAS, Python's docstrings): same seeds, same bytes.
"""
import os

# Sleep rather than spin in OpenMP barriers: on a shared 2-core machine spinning threads stall each other
# (3-4x slower training when another process takes a core). Must be set before torch loads libgomp.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import ast
import hashlib
import json
import math
import random
import re
import shutil
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import reference_measures  # noqa: E402
from bpe_tokenizer import ByteLevelBPETokenizer  # noqa: E402
from export_onnx import sha256_file  # noqa: E402
from reference_measures import write_json  # noqa: E402

SHARED_MINIMIND = os.path.join(ROOT, "..", "shared", "minimind")
STDLIB = "/usr/lib/python{}.{}".format(*sys.version_info[:2])

MODEL = dict(hidden_size=96, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, vocab_size=6400)
TRAIN = dict(
    seed=0,
    train_rows=300,
    max_length=256,
    batch_size=8,
    accumulation_steps=2,
    epochs=22,
    learning_rate=4e-3,
    grad_clip=1.0,
    weight_decay=0.01,
    log_interval=5,
    early_step=250,
    threads=2,
)
L, P = 64, 30
ROW_MIN, ROW_MAX = 150, 255  # tokens; rows fit max_length 256 without truncation
HELDOUT_BUCKETS = 8  # a module is held out when sha256(name) % 8 == 0
EVAL_SEED = 1234


# --------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------
def stdlib_files():
    out = []
    for dirpath, dirnames, filenames in os.walk(STDLIB):
        rel = os.path.relpath(dirpath, STDLIB)
        parts = rel.split(os.sep)
        if any(p in ("test", "tests", "idlelib", "lib2to3", "site-packages", "dist-packages", "__pycache__")
               or p.startswith("config-") for p in parts):
            dirnames[:] = []
            continue
        dirnames.sort()
        out.extend(os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".py"))
    return sorted(out)


def docstring_paragraphs(path):
    """Prose paragraphs of a module's docstrings in source order, reflowed onto one line each."""
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return []
    docs = []

    def visit(node):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            d = ast.get_docstring(node, clean=True)
            if d:
                docs.append(d)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    paras = []
    for d in docs:
        for p in re.split(r"\n\s*\n", d):
            if ">>>" in p or "::" in p:  # doctests and literal blocks are code, not prose
                continue
            text = " ".join(line.strip() for line in p.split("\n")).strip()
            if len(text) < 60 or sum(c.isalpha() or c == " " for c in text) / len(text) < 0.85:
                continue
            paras.append(text)
    return paras


def build_rows(tok):
    """[(module, text, n_tokens)]: consecutive paragraphs of one module joined into rows of ROW_MIN..ROW_MAX tokens."""
    rows, seen = [], set()
    for path in stdlib_files():
        module = os.path.relpath(path, STDLIB)
        cur, cur_n = [], 0
        for text in docstring_paragraphs(path):
            if text in seen:
                continue
            seen.add(text)
            n = len(tok.encode(text))
            if n > ROW_MAX:
                continue
            if cur and len(tok.encode(" ".join(cur + [text]))) > ROW_MAX:
                row = " ".join(cur)
                if cur_n >= ROW_MIN:
                    rows.append((module, row, cur_n))
                cur = []
            cur.append(text)
            cur_n = len(tok.encode(" ".join(cur)))
        if cur and cur_n >= ROW_MIN:
            rows.append((module, " ".join(cur), cur_n))
    return rows


def is_heldout(module):
    return int(hashlib.sha256(module.encode()).hexdigest(), 16) % HELDOUT_BUCKETS == 0


# --------------------------------------------------------------------------------------------
# Training, MiniMind's way
# --------------------------------------------------------------------------------------------
def get_lr(current_step, total_steps, lr):
    """MiniMind's schedule (train_pretrain.py): cosine from 1.1*lr down to lr/10."""
    return lr / 10 + 0.5 * lr * (1 + math.cos(math.pi * current_step / total_steps))


def pretrain_batch(tok, texts, max_length, pad_id=0):
    """MiniMind's PretrainDataset: encode, truncate/pad to max_length; X = ids[:-1], Y = ids[1:], loss_mask[1:]."""
    ids = []
    for text in texts:
        t = tok.encode(text)[:max_length]
        ids.append(t + [pad_id] * (max_length - len(t)))
    ids = torch.tensor(ids, dtype=torch.long)
    loss_mask = (ids != pad_id).long()
    return ids[:, :-1], ids[:, 1:], loss_mask[:, 1:]


def train(mod, tok, texts, cfg, log_path, checkpoint_paths):
    torch.manual_seed(cfg["seed"])
    model = mod.MiniMindForCausalLM(mod.MiniMindConfig(**MODEL))
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["learning_rate"], weight_decay=cfg["weight_decay"])
    data = [pretrain_batch(tok, [t], cfg["max_length"]) for t in texts]
    bs, accum, epochs = cfg["batch_size"], cfg["accumulation_steps"], cfg["epochs"]
    iter_per_epoch = math.ceil(len(data) / bs)
    total = epochs * iter_per_epoch
    order_rng = torch.Generator().manual_seed(cfg["seed"])
    global_step = 0
    saved = {}
    with open(log_path, "w", encoding="utf-8") as log:
        for epoch in range(epochs):
            start = time.time()
            perm = torch.randperm(len(data), generator=order_rng).tolist()
            for step in range(iter_per_epoch):
                batch = [data[i] for i in perm[step * bs : (step + 1) * bs]]
                X, Y, loss_mask = (torch.cat([b[k] for b in batch]) for k in range(3))
                lr = get_lr(epoch * iter_per_epoch + step, total, cfg["learning_rate"])
                for group in optimizer.param_groups:
                    group["lr"] = lr
                res = model(X)
                loss = F.cross_entropy(res.logits.view(-1, res.logits.size(-1)), Y.view(-1), reduction="none").view(Y.size())
                loss = (loss * loss_mask).sum() / loss_mask.sum()
                loss = loss / accum
                loss.backward()
                if (step + 1) % accum == 0 or step + 1 == iter_per_epoch:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])
                    optimizer.step()
                    optimizer.zero_grad(set_to_none=True)
                if step % cfg["log_interval"] == 0:
                    spend = time.time() - start
                    line = "Epoch:[{}/{}]({}/{}) loss:{:.3f} lr:{:.12f} epoch_Time:{}min:".format(
                        epoch + 1, epochs, step, iter_per_epoch, loss.item() * accum,
                        optimizer.param_groups[-1]["lr"], spend / (step + 1) * iter_per_epoch // 60 - spend // 60,
                    )
                    print(line, flush=True)
                    log.write(line + "\n")
                global_step += 1
                for name, (at, path) in checkpoint_paths.items():
                    if global_step == at:
                        os.makedirs(os.path.dirname(path), exist_ok=True)
                        torch.save({k: v.half() for k, v in model.state_dict().items()}, path)
                        saved[name] = global_step
    return saved


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------
def story_checks(ref):
    """The seed's story, as figures: returns [(ok, text)]."""
    final = ref["results"]["final"]["eval_data_from_train.json"]["means"]
    trail = ref["training"]["trailingMean"]
    tf, mis, ar = final["teacherForcing"], final["keepLastMisaligned"], final["autoregressive"]
    sweep = final["offsetSweep"]
    best = min(sweep, key=lambda s: sweep[s])
    gap = abs(tf - trail) / trail
    return [
        (gap <= 0.10, f"final TF {tf:.4f} vs logged training loss (trailing mean) {trail:.4f}: {100 * gap:.1f}% apart (<= 10%)"),
        (mis >= 3 * tf, f"keepLastMisaligned {mis:.4f} = {mis / tf:.2f}x teacherForcing (>= 3x)"),
        (abs(final["keepLastAligned"] - tf) < 1e-4, f"keepLastAligned {final['keepLastAligned']:.6f} == teacherForcing {tf:.6f}"),
        (best == "0", f"offsetSweep minimum at s = {best} (" + ", ".join(f"{s}: {v:.3f}" for s, v in sweep.items()) + ")"),
        (ar > tf, f"autoregressive {ar:.4f} > teacherForcing {tf:.4f}"),
        (final["kvCacheTop1Agreement"] == 1.0 and final["kvCacheMaxAbsDiff"] < 1e-3,
         f"kvCache max |diff| {final['kvCacheMaxAbsDiff']:.2e}, top-1 agreement {final['kvCacheTop1Agreement']:.3f}"),
    ]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(ROOT, "resources", "demo"))
    p.add_argument("--tokenizer-dir", default=SHARED_MINIMIND, help="where MiniMind's tokenizer.json and tokenizer_config.json are")
    for key in ("train_rows", "epochs", "early_step"):  # for tuning; the defaults are what ships
        p.add_argument("--" + key.replace("_", "-"), type=int, default=TRAIN[key])
    p.add_argument("--learning-rate", type=float, default=TRAIN["learning_rate"])
    args = p.parse_args(argv)
    TRAIN.update(train_rows=args.train_rows, epochs=args.epochs, early_step=args.early_step, learning_rate=args.learning_rate)
    out = os.path.abspath(args.out)
    torch.set_num_threads(TRAIN["threads"])
    if os.path.isdir(out) and os.listdir(out):
        try:
            with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
                ours = json.load(f).get("format") == "losslens-demo/1"
        except (OSError, ValueError):
            ours = False
        if not ours:
            sys.exit(f"make_demo: {out} is not empty and is not a demo folder this script wrote: not touching it")
        shutil.rmtree(out)
    os.makedirs(out)
    t0 = time.time()

    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(args.tokenizer_dir, name), os.path.join(out, name))
    tok = ByteLevelBPETokenizer(os.path.join(out, "tokenizer.json"))
    assert tok.encode("Hello 世界, this is a test") == [42, 392, 338, 223, 2219, 14, 935, 370, 260, 2924]

    rows = build_rows(tok)
    pool = [r for r in rows if not is_heldout(r[0])]
    heldout = [r for r in rows if is_heldout(r[0])]
    random.Random(TRAIN["seed"]).shuffle(pool)
    train_rows = pool[: TRAIN["train_rows"]]
    train_texts = [r[1] for r in train_rows]
    with open(os.path.join(out, "train.jsonl"), "w", encoding="utf-8") as f:
        for text in train_texts:
            f.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    rng = random.Random(EVAL_SEED)
    eval_train = [{"text": train_texts[i]} for i in sorted(rng.sample(range(len(train_texts)), 20))]
    eval_heldout = [{"text": heldout[i][1]} for i in sorted(rng.sample(range(len(heldout)), 20))]
    train_set = set(train_texts)
    assert all(r["text"] in train_set for r in eval_train)
    assert not any(r["text"] in train_set for r in eval_heldout)
    assert all(len(tok.encode(r["text"])) >= L + P + 2 for r in eval_train + eval_heldout)
    write_json(os.path.join(out, "eval_data_from_train.json"), eval_train, indent=2)
    write_json(os.path.join(out, "eval_heldout.json"), eval_heldout, indent=2)
    modules = sorted({r[0] for r in train_rows})
    print(f"corpus: {len(rows)} rows ({len(heldout)} held out), train {len(train_rows)} rows from {len(modules)} modules, "
          f"{sum(r[2] for r in train_rows):,} tokens")

    mod = reference_measures.load_compat_module()
    ckpt = {key: os.path.join(out, "checkpoints", key, f"pretrain_{MODEL['hidden_size']}.pth") for key in ("early", "final")}
    iter_per_epoch = math.ceil(len(train_texts) / TRAIN["batch_size"])
    total = TRAIN["epochs"] * iter_per_epoch
    saved = train(
        mod, tok, train_texts, TRAIN, os.path.join(out, "train.log"),
        {"early": (TRAIN["early_step"], ckpt["early"]), "final": (total, ckpt["final"])},
    )
    print(f"trained {total} micro-steps in {time.time() - t0:.0f} s")

    labels = {key: f"{key} (step {saved[key]})" for key in ("early", "final")}
    for key, path in ckpt.items():
        subprocess.run(
            [sys.executable, os.path.join(HERE, "export_onnx.py"), "--checkpoint", path,
             "--minimind-dir", os.path.join(HERE, "minimind_compat"), "--num-heads", str(MODEL["num_attention_heads"]),
             "--tokenizer", os.path.join(out, "tokenizer.json"), "--no-copy-tokenizer",
             "--out", os.path.dirname(path), "--label", labels[key]],
            check=True,
        )

    config = dict(MODEL, intermediate_size=64 * math.ceil(int(MODEL["hidden_size"] * 8 / 3) / 64),
                  rms_norm_eps=1e-5, rope_theta=1e6, max_position_embeddings=32768)
    checkpoints = {key: {"label": labels[key], "checkpoint": os.path.relpath(ckpt[key], out)} for key in ckpt}
    eval_sets = ["eval_data_from_train.json", "eval_heldout.json"]
    ref = reference_measures.build_reference(out, config, checkpoints, eval_sets, L, P)
    write_json(os.path.join(out, "reference.json"), ref)
    print("\n".join(reference_measures.summary_lines(ref)))

    shutil.copyfile(os.path.join(STDLIB, "LICENSE.txt"), os.path.join(out, "PSF_LICENSE.txt"))
    write_docs(out, modules, len(train_rows), len(heldout), sorted({r[0] for r in heldout}), ref)

    files = {}
    for dirpath, _, filenames in os.walk(out):
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, out).replace(os.sep, "/")
            files[rel] = {"bytes": os.path.getsize(path), "sha256": sha256_file(path)}
    manifest = {
        "format": "losslens-demo/1",
        "title": "MiniMind-architecture model on Python docstrings: the train/inference loss gap, replayed",
        "model": {"architecture": "MiniMindForCausalLM (tools/minimind_compat)", "config": config,
                  "parameters": sum(p.numel() for p in mod.MiniMindForCausalLM(mod.MiniMindConfig(**MODEL)).parameters())},
        "training": dict(TRAIN, total_steps=total, iter_per_epoch=iter_per_epoch,
                         loss="MiniMind pretrain: sum(CE * loss_mask) / sum(loss_mask) / accumulation_steps; logged x accumulation_steps (one micro-batch)",
                         lr_schedule="lr/10 + 0.5*lr*(1 + cos(pi*step/total)), per micro-step", optimizer="AdamW",
                         bos=False, pad_id=0, torch=torch.__version__, blas=reference_measures.blas_info()),
        "settings": {"inputLength": L, "predictLength": P, "addBos": False, "prependBos": False},
        "checkpoints": [
            {"id": key, "label": checkpoints[key]["label"], "step": saved[key],
             "checkpoint": checkpoints[key]["checkpoint"], "dir": os.path.dirname(checkpoints[key]["checkpoint"]),
             "onnx": os.path.dirname(checkpoints[key]["checkpoint"]) + "/model.onnx",
             "plain": os.path.dirname(checkpoints[key]["checkpoint"]) + "/model.plain.onnx"}
            for key in ("early", "final")
        ],
        "tokenizer": "tokenizer.json",
        "trainingData": "train.jsonl",
        "trainingLog": "train.log",
        "evalSets": eval_sets,
        "evalSetsDrawnFromTraining": {"eval_data_from_train.json": True, "eval_heldout.json": False},
        "reference": "reference.json",
        "files": files,
    }
    write_json(os.path.join(out, "manifest.json"), manifest, indent=2)

    total_bytes = sum(f["bytes"] for f in files.values())
    print(f"{out}: {len(files) + 1} files, {total_bytes / 1e6:.1f} MB, {time.time() - t0:.0f} s")
    failed = False
    for ok, text in story_checks(ref):
        print(("PASS " if ok else "FAIL ") + text)
        failed |= not ok
    return 1 if failed else 0


def psf_notice():
    """The copyright notice the PSF License Agreement asks derivative works to retain, verbatim from LICENSE.txt."""
    with open(os.path.join(STDLIB, "LICENSE.txt"), encoding="utf-8") as f:
        m = re.search(r'notice of copyright,\s+i\.e\., "(Copyright.*?Reserved)"', f.read(), re.S)
    return " ".join(m.group(1).split()) if m else "Copyright (c) Python Software Foundation; All Rights Reserved"


def write_docs(out, modules, n_train, n_heldout_rows, heldout_modules, ref):
    with open(os.path.join(out, "TOKENIZER_LICENSE.md"), "w", encoding="utf-8") as f:
        f.write(
            "# Tokenizer licence\n\n"
            "`tokenizer.json` and `tokenizer_config.json` are MiniMind2's tokenizer files, unchanged, from the MiniMind\n"
            "project (jingyaogong/minimind), Copyright the MiniMind authors, licensed under the Apache License,\n"
            "Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0). They are redistributed here under that licence.\n"
        )
    py = "{}.{}".format(*sys.version_info[:2])
    figures = "\n".join(reference_measures.summary_lines(ref))
    story = "\n".join(("- pass: " if ok else "- FAIL: ") + text for ok, text in story_checks(ref))
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(f"""# LossLens demo experiment

A small, real replay of the seed report (a MiniMind model whose "inference loss" was 5x its training
loss because of an off-by-one slice after `logits_to_keep`). Everything here is written by
`tools/make_demo.py`; do not edit by hand, re-run it.

| file | what |
|---|---|
| `train.jsonl` | the training data, MiniMind pretrain format (`{{"text": ...}}` per line), {n_train} rows of 150-255 tokens |
| `train.log` | the training log in MiniMind's 2025 format; each line's loss is ONE micro-batch's loss, as MiniMind logs it |
| `checkpoints/early/`, `checkpoints/final/` | `pretrain_96.pth` (fp16 state_dict, MiniMind2 keys), `model.onnx` (Optimum form, KV cache), `model.plain.onnx`, `manifest.json` (exporter's) |
| `tokenizer.json`, `tokenizer_config.json` | MiniMind2's tokenizer (Apache-2.0, see `TOKENIZER_LICENSE.md`) |
| `eval_data_from_train.json` | 20 rows drawn (seed {EVAL_SEED}) from `train.jsonl`, exactly as they appear there |
| `eval_heldout.json` | 20 rows of the same kind of text from modules never used for training |
| `reference.json` | every measurement computed in PyTorch (`tools/reference_measures.py` documents the layout) |
| `manifest.json` | model config, training settings, checkpoint labels, L = {L}, P = {P}, SHA-256 of every file |

Settings: input length L = {L}, predict length P = {P} (the seed's), no BOS.

## The figures (from `reference.json`, PyTorch)
```
{figures}
```
The seed's story, checked by make_demo.py:
{story}

## Text sources and licences
- The training and evaluation text is prose from the docstrings of Python {py}'s standard library as
  installed on Debian (`{STDLIB}`, test suites, idlelib and lib2to3 excluded): paragraphs without
  doctests or literal blocks, reflowed onto one line, de-duplicated, joined per module into rows.
  Python is distributed under the PSF License Agreement, which permits distributing derivative works
  provided that the agreement and the PSF's notice of copyright are retained: "{psf_notice()}".
  `PSF_LICENSE.txt` is a copy of `{STDLIB}/LICENSE.txt`, which holds the agreement.
- Modules used for training: {len(modules)}. Modules held out ({len(heldout_modules)}, {n_heldout_rows} rows, none of their text
  is in `train.jsonl`): {', '.join(heldout_modules)}.
- The model weights were trained here from that text and carry no other licence terms.
""")


if __name__ == "__main__":
    sys.exit(main())
