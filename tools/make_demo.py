#!/usr/bin/env python3
"""Re-create resources/demo/ from scratch: LossLens' demo experiment, a small replay of the seed report.

    /usr/bin/python3 tools/make_demo.py [--out resources/demo] [--cache DIR]

1. Corpus: English docstrings of Python's standard library on this machine (PSF licence), cut into rows
   of 150-255 tokens of MiniMind's tokenizer; some modules are held out entirely for eval_heldout.json, and
   their source code (docstrings and comment lines removed) is the out-of-domain set eval_ood.json.
2. Training: a MiniMind-architecture model (tools/minimind_compat; hidden 96, 4 layers, 4 heads, 2 kv
   heads, vocab 6400) trained with MiniMind's pretrain convention (max_length padding, X = ids[:-1],
   Y = ids[1:], loss_mask = (ids != pad)[1:], gradient accumulation, MiniMind's cosine lr, grad clip 1),
   logging MiniMind's 2025 line with the single micro-batch's loss, on CPU with fixed seeds. fp16 snapshots
   along the way give the loss curves on the eval sets and the checkpoints: very-early (the step among
   5..120 where the offset sweep is lowest at +1 relative to 0), early, mid (only when the OOD loss is
   lowest there and final is worse) and final, each exported by tools/export_onnx.py --step.
3. checkpoints/shifted: final's plain export with its logits moved one row later (deliberately broken).
4. SFT: 200 conversations ("What does <module>.<function> do?" -> its docstring's first paragraph) in
   MiniMind's SFT format, final fine-tuned on them with MiniMind2's SFT loss mask, logged to train_sft.log.
5. Reference numbers (tools/reference_measures.py), README.md, manifest.json with SHA-256 of every file.
It then checks that the demo tells the seed's story and exits non-zero if it does not.
Deterministic for a given machine (torch build, BLAS, Python's docstrings): same seeds, same numbers
(the epoch_Time column of the logs is wall-clock time); another BLAS changes the last bits (tools/README.md).
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
VERY_EARLY_CANDIDATES = range(5, 121, 5)  # steps searched for the "leakage" checkpoint (sweep +1 below 0)
CURVE_EVERY = 25  # loss curves on the eval sets every this many steps
SFT = dict(
    seed=0,
    conversations=200,
    eval_rows=20,
    max_length=192,
    batch_size=8,
    accumulation_steps=1,
    epochs=4,
    learning_rate=1e-3,
    grad_clip=1.0,
    weight_decay=0.01,
    log_interval=1,
)
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


def code_blocks(path):
    """A module's Python source without its docstrings, comment-only lines and blank lines, as blocks that
    start at a def, class or decorator line (indented at most one level): the out-of-domain text."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    tree = ast.parse(source)
    drop = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                drop.update(range(first.lineno, first.end_lineno + 1))
    lines = [line.rstrip() for i, line in enumerate(source.split("\n"), 1)
             if i not in drop and line.strip() and not line.strip().startswith("#")]
    blocks, cur = [], []
    for line in lines:
        if cur and re.match(r"^( {0,4})(def |async def |class |@)", line) and not cur[-1].lstrip().startswith("@"):
            blocks.append(cur)
            cur = []
        cur.append(line)
    if cur:
        blocks.append(cur)
    return ["\n".join(b) for b in blocks]


def build_code_rows(tok, modules):
    """[(module, code, n_tokens)]: consecutive blocks of one module's code joined into rows of ROW_MIN..ROW_MAX
    tokens (a block longer than ROW_MAX is cut at a line)."""
    rows = []
    for module in modules:
        cur, cur_n = [], 0
        pieces = []
        for block in code_blocks(os.path.join(STDLIB, module)):
            if len(tok.encode(block)) <= ROW_MAX:
                pieces.append(block)
                continue
            part = []
            for line in block.split("\n"):
                if part and len(tok.encode("\n".join(part + [line]))) > ROW_MAX:
                    pieces.append("\n".join(part))
                    part = []
                part.append(line)
            pieces.append("\n".join(part))
        for piece in pieces:
            if len(tok.encode(piece)) > ROW_MAX:
                continue
            if cur and len(tok.encode("\n".join(cur + [piece]))) > ROW_MAX:
                if cur_n >= ROW_MIN:
                    rows.append((module, "\n".join(cur), cur_n))
                cur = []
            cur.append(piece)
            cur_n = len(tok.encode("\n".join(cur)))
        if cur and cur_n >= ROW_MIN:
            rows.append((module, "\n".join(cur), cur_n))
    return rows


def sft_pairs(modules):
    """(question, answer) pairs from the public functions of the given modules: "What does json.dumps do?"
    answered with the first paragraph of its docstring (reflowed; its first sentence when the paragraph is long)."""
    pairs, seen = [], set()
    for module in modules:
        try:
            with open(os.path.join(STDLIB, module), encoding="utf-8") as f:
                tree = ast.parse(f.read())
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        dotted = module[:-3].replace("/", ".")
        if dotted.endswith(".__init__"):
            dotted = dotted[: -len(".__init__")]
        scopes = [("", tree)] + [(n.name + ".", n) for n in tree.body if isinstance(n, ast.ClassDef) and not n.name.startswith("_")]
        for prefix, scope in scopes:
            for node in scope.body:
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name.startswith("_"):
                    continue
                doc = ast.get_docstring(node, clean=True)
                if not doc:
                    continue
                para = " ".join(line.strip() for line in re.split(r"\n\s*\n", doc)[0].split("\n")).strip()
                if len(para) > 300:
                    m = re.match(r"(.+?[.!?])\s", para + " ")
                    para = m.group(1) if m else ""
                if not 30 <= len(para) <= 300 or ">>>" in para or sum(c.isalpha() or c == " " for c in para) / len(para) < 0.8:
                    continue
                if para in seen:
                    continue
                seen.add(para)
                pairs.append((f"What does {dotted}.{prefix}{node.name} do?", para))
    return pairs


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


def train(mod, tok, texts, cfg, log_path, snapshot_steps):
    """MiniMind's pretrain loop. Returns {global step: fp16 state_dict} for every step in snapshot_steps: the
    weights after that many micro-steps, i.e. those the log line at that step measured its micro-batch with."""
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
    snapshots = {}
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
                if global_step in snapshot_steps:
                    snapshots[global_step] = {k: v.detach().half().clone() for k, v in model.state_dict().items()}
    return snapshots


# --------------------------------------------------------------------------------------------
# SFT, MiniMind2's way (SFTDataset at 29454c3)
# --------------------------------------------------------------------------------------------
def render_chat(template_source, conversations):
    """MiniMind2's _create_chat_prompt: roles by turn parity (even = user, odd = assistant; the file's role field
    is ignored), rendered with tokenizer_config.json's chat template, no generation prompt."""
    import jinja2

    messages = [{"role": "user" if i % 2 == 0 else "assistant", "content": turn["content"]}
                for i, turn in enumerate(conversations)]
    env = jinja2.Environment()
    return env.from_string(template_source).render(messages=messages, add_generation_prompt=False)


def sft_loss_mask(ids, tok, max_length):
    """MiniMind2's _generate_loss_mask: 1 on every assistant reply's tokens, its closing <|im_end|> and the "\n"
    after it; 0 on <|im_start|>assistant and the header's "\n" (the +1), and on everything else."""
    bos_id, eos_id = tok.encode("<|im_start|>assistant"), tok.encode("<|im_end|>")
    mask = [0] * len(ids)
    i = 0
    while i < len(ids):
        if ids[i : i + len(bos_id)] == bos_id:
            start = i + len(bos_id)
            end = start
            while end < len(ids):
                if ids[end : end + len(eos_id)] == eos_id:
                    break
                end += 1
            for j in range(start + 1, min(end + len(eos_id) + 1, max_length)):
                if j < len(mask):
                    mask[j] = 1
            i = end + len(eos_id) if end < len(ids) else len(ids)
        else:
            i += 1
    return mask


def sft_example(tok, template_source, conversations, max_length, pad_id=0):
    """(ids, X, Y, loss_mask) as MiniMind2's SFTDataset returns them: ids cut to max_length and right-padded."""
    ids = tok.encode(render_chat(template_source, conversations))[:max_length]
    ids_padded = ids + [pad_id] * (max_length - len(ids))
    mask = sft_loss_mask(ids_padded, tok, max_length)
    t = torch.tensor(ids_padded, dtype=torch.long)
    return ids, t[:-1], t[1:], torch.tensor(mask[1:], dtype=torch.long)


def train_sft(mod, tok, template_source, convs, cfg, init_state, log_path):
    """MiniMind2's train_full_sft loop from the pretrained weights: masked mean CE, gradient accumulation, cosine lr,
    grad clip; logs the single micro-batch's loss in MiniMind's 2025 line. Returns (fp16 state_dict, total steps)."""
    torch.manual_seed(cfg["seed"])
    model = mod.MiniMindForCausalLM(mod.MiniMindConfig(**MODEL))
    model.load_state_dict(init_state, strict=True)
    model.float().train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["learning_rate"], weight_decay=cfg["weight_decay"])
    data = [sft_example(tok, template_source, c, cfg["max_length"])[1:] for c in convs]
    bs, accum, epochs = cfg["batch_size"], cfg["accumulation_steps"], cfg["epochs"]
    iter_per_epoch = math.ceil(len(data) / bs)
    total = epochs * iter_per_epoch
    order_rng = torch.Generator().manual_seed(cfg["seed"])
    with open(log_path, "w", encoding="utf-8") as log:
        for epoch in range(epochs):
            start = time.time()
            perm = torch.randperm(len(data), generator=order_rng).tolist()
            for step in range(iter_per_epoch):
                batch = [data[i] for i in perm[step * bs : (step + 1) * bs]]
                X, Y, loss_mask = (torch.stack([b[k] for b in batch]) for k in range(3))
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
                    print("sft " + line, flush=True)
                    log.write(line + "\n")
    return {k: v.detach().half().clone() for k, v in model.state_dict().items()}, total


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
    ] + shifted_checks(ref) + sft_checks(ref)


def shifted_checks(ref):
    """The deliberately shifted export: far above training at 0, the real model's teacher forcing at +1."""
    if "shifted" not in ref:
        return []
    tf = ref["results"]["final"]["eval_data_from_train.json"]["means"]["teacherForcing"]
    sh = ref["shifted"]["results"]["eval_data_from_train.json"]["means"]
    sweep = sh["offsetSweep"]
    return [
        (sh["teacherForcing"] >= 3 * tf, f"shifted export: teacherForcing {sh['teacherForcing']:.4f} = {sh['teacherForcing'] / tf:.2f}x final's {tf:.4f} (>= 3x)"),
        (abs(sweep["1"] - tf) < 1e-4, f"shifted export: offsetSweep +1 {sweep['1']:.6f} == final teacherForcing {tf:.6f}"),
    ]


def sft_checks(ref):
    if "sft" not in ref:
        return []
    sft, base = ref["sft"]["results"]["sft"]["means"], ref["sft"]["results"]["final"]["means"]
    return [
        (sft["loss"] < base["loss"], f"SFT loss on eval_sft.json: sft {sft['loss']:.4f} < final (before SFT) {base['loss']:.4f}"),
        (sft["maskLate"] > sft["loss"], f"SFT loss with the mask one position late {sft['maskLate']:.4f} > correct mask {sft['loss']:.4f}"),
    ]


def findings(ref, steps, leak_found):
    """What the other checkpoints show, in words (informational: the demo states them, it does not require them)."""
    out = []
    ve = ref["results"]["very-early"]["eval_data_from_train.json"]["means"]["offsetSweep"]
    out.append(f"very-early (step {steps['very-early']}): offsetSweep on eval_data_from_train.json 0: {ve['0']:.4f}, +1: {ve['1']:.4f} -> "
               + ("+1 is LOWER than 0 (copy tendency: row +1 was fed its target)" if ve["1"] < ve["0"] else
                  "+1 is not lower than 0" + ("" if leak_found else " (no candidate step showed it)")))
    for key, w in ref["training"]["windows"].items():
        tf = ref["results"][key]["eval_data_from_train.json"]["means"]["teacherForcing"]
        out.append(f"{key} (step {w['step']}): training window {w['mean']:.4f} +- {w['sd'] or 0:.4f} (sd, {w['lines']} lines) "
                   f"vs teacherForcing on eval_data_from_train.json {tf:.4f}")
    for r in ref["regressions"]:
        if r["deltaMean"] > 2 * r["deltaSe"] and r["deltaMean"] > 0:
            out.append(f"regression {r['base']} -> {r['other']} on {r['dataset']}: teacherForcing {r['baseMean']:.4f} -> {r['otherMean']:.4f} "
                       f"(+{r['deltaMean']:.4f} +- {r['deltaSe']:.4f} se, paired over {r['samples']} samples)")
    return out


def cached_pretrain(mod, tok, train_texts, out, cache, snapshot_steps):
    """train() with its snapshots and log kept in `cache` (a folder), re-used when data and settings are the same."""
    key = hashlib.sha256(json.dumps([MODEL, TRAIN, sorted(snapshot_steps), train_texts]).encode()).hexdigest()[:16]
    path = os.path.join(cache, f"pretrain-{key}.pt") if cache else None
    log_path = os.path.join(out, "train.log")
    if path and os.path.isfile(path):
        saved = torch.load(path)
        with open(log_path, "w", encoding="utf-8") as f:
            f.write(saved["log"])
        print(f"training: re-used {path}")
        return saved["snapshots"]
    snapshots = train(mod, tok, train_texts, TRAIN, log_path, snapshot_steps)
    if path:
        os.makedirs(cache, exist_ok=True)
        with open(log_path, encoding="utf-8") as f:
            torch.save({"log": f.read(), "snapshots": snapshots}, path)
    return snapshots


def model_from(mod, state):
    model = mod.MiniMindForCausalLM(mod.MiniMindConfig(**MODEL))
    model.load_state_dict(state, strict=True)
    return model.float().eval()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(ROOT, "resources", "demo"))
    p.add_argument("--tokenizer-dir", default=SHARED_MINIMIND, help="where MiniMind's tokenizer.json and tokenizer_config.json are")
    p.add_argument("--cache", help="a folder to keep the training runs in, re-used when data and settings are the same")
    p.add_argument("--stop-after-curves", action="store_true", help="train, print the loss curves on the eval sets, stop")
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
    with open(os.path.join(out, "tokenizer_config.json"), encoding="utf-8") as f:
        chat_template = json.load(f)["chat_template"]

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
    heldout_modules = sorted({r[0] for r in heldout})
    code_rows = build_code_rows(tok, heldout_modules)
    eval_ood = [{"text": code_rows[i][1]} for i in sorted(random.Random(EVAL_SEED + 1).sample(range(len(code_rows)), 20))]
    train_set = set(train_texts)
    train_blob = "\n".join(train_texts)
    assert all(r["text"] in train_set for r in eval_train)
    assert not any(r["text"] in train_set for r in eval_heldout)
    assert not any(r["text"] in train_blob for r in eval_ood)
    assert all(len(tok.encode(r["text"])) >= L + P + 2 for r in eval_train + eval_heldout + eval_ood)
    write_json(os.path.join(out, "eval_data_from_train.json"), eval_train, indent=2)
    write_json(os.path.join(out, "eval_heldout.json"), eval_heldout, indent=2)
    write_json(os.path.join(out, "eval_ood.json"), eval_ood, indent=2)
    modules = sorted({r[0] for r in train_rows})
    print(f"corpus: {len(rows)} rows ({len(heldout)} held out), train {len(train_rows)} rows from {len(modules)} modules, "
          f"{sum(r[2] for r in train_rows):,} tokens; code rows of held-out modules: {len(code_rows)}")

    # SFT conversations from the training modules' public functions.
    pairs = sft_pairs([m for m in modules if not any(part.startswith("_") for part in m.split("/"))])
    random.Random(SFT["seed"]).shuffle(pairs)
    sft_convs = [{"conversations": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}
                 for q, a in pairs[: SFT["conversations"]]]
    assert len(sft_convs) == SFT["conversations"]
    with open(os.path.join(out, "train_sft.jsonl"), "w", encoding="utf-8") as f:
        for c in sft_convs:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    eval_sft = [sft_convs[i] for i in sorted(random.Random(EVAL_SEED).sample(range(len(sft_convs)), SFT["eval_rows"]))]
    write_json(os.path.join(out, "eval_sft.json"), eval_sft, indent=2)
    sft_lengths = [len(tok.encode(render_chat(chat_template, c["conversations"]))) for c in sft_convs]
    assert max(sft_lengths) <= SFT["max_length"], max(sft_lengths)
    print(f"sft: {len(pairs)} question/answer pairs, {len(sft_convs)} conversations of {min(sft_lengths)}-{max(sft_lengths)} tokens")

    mod = reference_measures.load_compat_module()
    iter_per_epoch = math.ceil(len(train_texts) / TRAIN["batch_size"])
    total = TRAIN["epochs"] * iter_per_epoch
    curve_steps = sorted(set(VERY_EARLY_CANDIDATES) | set(range(CURVE_EVERY, total + 1, CURVE_EVERY)) | {TRAIN["early_step"], total})
    snapshots = cached_pretrain(mod, tok, train_texts, out, args.cache, set(curve_steps))
    print(f"trained {total} micro-steps, {time.time() - t0:.0f} s so far")

    # Loss along training on the three sets (fp16 snapshots, exactly what a checkpoint saved there holds).
    set_texts = {"eval_data_from_train.json": [r["text"] for r in eval_train],
                 "eval_heldout.json": [r["text"] for r in eval_heldout], "eval_ood.json": [r["text"] for r in eval_ood]}
    curve = {}
    for step in curve_steps:
        model = model_from(mod, snapshots[step])
        curve[step] = {name: reference_measures.quick_means(model, texts, tok, L, P) for name, texts in set_texts.items()}
        c = curve[step]
        print(f"step {step:4d}  train TF {c['eval_data_from_train.json']['teacherForcing']:.3f} "
              f"sweep0 {c['eval_data_from_train.json']['offsetSweep']['0']:.3f} +1 {c['eval_data_from_train.json']['offsetSweep']['1']:.3f}  "
              f"heldout {c['eval_heldout.json']['teacherForcing']:.3f}  ood {c['eval_ood.json']['teacherForcing']:.3f}", flush=True)
    if args.stop_after_curves:
        return 0
    return build_rest(args, out, t0, tok, chat_template, mod, modules, train_rows, heldout, heldout_modules, code_rows,
                      snapshots, curve, total, iter_per_epoch, sft_convs, eval_sft)


TRAIN_SET = "eval_data_from_train.json"
EVAL_SETS = {"eval_data_from_train.json": "fromTraining", "eval_heldout.json": "heldOut", "eval_ood.json": "heldOut"}
LEAK_MARGIN = 0.05  # sweep(0) - sweep(+1) on eval_data_from_train.json that counts as "clearly lower at +1"
REGRESSION_MARGIN = 0.05  # nats of teacher forcing on the OOD set


def choose_very_early(curve):
    """The candidate step where the sweep on eval_data_from_train.json is lowest at +1 relative to 0 (the largest
    margin; the earliest on a tie). Returns (step, margin, found): found is False when no step has +1 clearly below 0."""
    margins = {s: curve[s][TRAIN_SET]["offsetSweep"]["0"] - curve[s][TRAIN_SET]["offsetSweep"]["1"] for s in VERY_EARLY_CANDIDATES}
    best = max(VERY_EARLY_CANDIDATES, key=lambda s: (round(margins[s], 6), -s))
    if margins[best] > LEAK_MARGIN:
        return best, margins[best], True
    return 30, margins[30], False


def choose_mid(curve, early, total):
    """A checkpoint between early and final where the OOD set's teacher forcing is lowest (on the curve's grid),
    kept only when final is worse there by more than REGRESSION_MARGIN and it is not already shown early -> final."""
    grid = [s for s in curve if early < s < total and s % CURVE_EVERY == 0]
    if not grid:
        return None
    ood = {s: curve[s]["eval_ood.json"]["teacherForcing"] for s in grid}
    best = min(grid, key=lambda s: (ood[s], s))
    if curve[total]["eval_ood.json"]["teacherForcing"] - ood[best] > REGRESSION_MARGIN and ood[best] < curve[early]["eval_ood.json"]["teacherForcing"]:
        return best
    return None


def make_shifted(src, dst, note):
    """`src`'s graph with its logits moved ONE ROW LATER (row i = row i - 1 of the original, row 0 kept): Slice + Concat
    on the sequence axis after the original output, renamed logits_unshifted. Inputs and outputs keep their names."""
    import onnx
    from onnx import helper, numpy_helper
    import numpy as np

    m = onnx.load(src)
    g = m.graph
    assert any(o.name == "logits" for o in g.output)
    for node in g.node:
        for k, name in enumerate(node.output):
            if name == "logits":
                node.output[k] = "logits_unshifted"
        for k, name in enumerate(node.input):
            if name == "logits":
                node.input[k] = "logits_unshifted"

    def const(name, value):
        return helper.make_node("Constant", [], [name], name=name,
                                value=numpy_helper.from_array(np.array(value, dtype=np.int64), name + "_value"))

    g.node.extend([
        const("shift_zero", [0]), const("shift_one", [1]), const("shift_minus_one", [-1]), const("shift_axis", [1]),
        helper.make_node("Slice", ["logits_unshifted", "shift_zero", "shift_one", "shift_axis"], ["logits_row0"], name="shift_row0"),
        helper.make_node("Slice", ["logits_unshifted", "shift_zero", "shift_minus_one", "shift_axis"], ["logits_all_but_last"],
                         name="shift_all_but_last"),
        helper.make_node("Concat", ["logits_row0", "logits_all_but_last"], ["logits"], axis=1, name="shift_concat"),
    ])
    entry = m.metadata_props.add()
    entry.key, entry.value = "losslens.deliberately_broken", note
    onnx.checker.check_model(m)
    onnx.save(m, dst)


def cached_sft(mod, tok, chat_template, convs, init_state, out, cache):
    key = hashlib.sha256(json.dumps([MODEL, SFT, convs, sha256_file(os.path.join(out, "checkpoints", "final", f"pretrain_{MODEL['hidden_size']}.pth"))]).encode()).hexdigest()[:16]
    path = os.path.join(cache, f"sft-{key}.pt") if cache else None
    log_path = os.path.join(out, "train_sft.log")
    if path and os.path.isfile(path):
        saved = torch.load(path)
        with open(log_path, "w", encoding="utf-8") as f:
            f.write(saved["log"])
        print(f"sft training: re-used {path}")
        return saved["state"], saved["total"]
    state, total = train_sft(mod, tok, chat_template, convs, SFT, init_state, log_path)
    if path:
        with open(log_path, encoding="utf-8") as f:
            torch.save({"log": f.read(), "state": state, "total": total}, path)
    return state, total


def paired(ref, a, b, dataset):
    """Teacher forcing of b minus a on the same samples: mean difference, its standard error, n."""
    sa = {s["index"]: s["teacherForcing"]["loss"] for s in ref["results"][a][dataset]["samples"]}
    sb = {s["index"]: s["teacherForcing"]["loss"] for s in ref["results"][b][dataset]["samples"]}
    d = [sb[i] - sa[i] for i in sorted(sa) if i in sb]
    mean = sum(d) / len(d)
    sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (len(d) - 1))
    return {"base": a, "other": b, "dataset": dataset, "deltaMean": mean, "deltaSe": sd / math.sqrt(len(d)), "samples": len(d),
            "baseMean": sum(sa.values()) / len(sa), "otherMean": sum(sb.values()) / len(sb)}


def build_rest(args, out, t0, tok, chat_template, mod, modules, train_rows, heldout, heldout_modules, code_rows,
               snapshots, curve, total, iter_per_epoch, sft_convs, eval_sft):
    very_early, leak_margin, leak_found = choose_very_early(curve)
    mid = choose_mid(curve, TRAIN["early_step"], total)
    steps = {"very-early": very_early, "early": TRAIN["early_step"], **({"mid": mid} if mid else {}), "final": total}
    keys = list(steps)
    print(f"checkpoints: {steps} (very-early: sweep 0 - (+1) = {leak_margin:.3f}, {'found' if leak_found else 'NOT found'})")
    pth = f"pretrain_{MODEL['hidden_size']}.pth"
    labels = {key: f"{key} (step {step})" for key, step in steps.items()}
    for key, step in steps.items():
        folder = os.path.join(out, "checkpoints", key)
        os.makedirs(folder, exist_ok=True)
        torch.save(snapshots[step], os.path.join(folder, pth))
        export(os.path.join(folder, pth), labels[key], step, "optimum,plain" if key == "final" else "optimum", out)

    # The deliberately broken export: final's plain form with its logits one row late.
    shifted_dir = os.path.join(out, "checkpoints", "shifted")
    os.makedirs(shifted_dir)
    note = ("deliberately broken: the final checkpoint's plain export with its logits moved one row later "
            "(row i = the model's row i - 1, row 0 kept), to show what a shifted export looks like")
    make_shifted(os.path.join(out, "checkpoints", "final", "model.plain.onnx"), os.path.join(shifted_dir, "model.onnx"), note)
    shifted_label = f"shifted (final, step {total}, logits one row late)"
    write_json(os.path.join(shifted_dir, "manifest.json"), {
        "format": "losslens-demo-shifted/1",
        "label": shifted_label,
        "step": total,
        "deliberatelyBroken": True,
        "what": note,
        "source": {"model": "../final/model.plain.onnx", "sha256": sha256_file(os.path.join(out, "checkpoints", "final", "model.plain.onnx")),
                   "checkpoint": f"../final/{pth}"},
        "edit": "graph output logits = Concat(Slice(logits_unshifted, 0:1), Slice(logits_unshifted, 0:-1)) on axis 1; "
                "logits_unshifted is the original output; inputs input_ids, attention_mask and output logits keep their names and shapes",
        "expected": "teacher forcing far above the training loss; the offset sweep at +1 equals the final model's teacher forcing",
        "sha256": sha256_file(os.path.join(shifted_dir, "model.onnx")),
    }, indent=2)

    # SFT from final.
    sft_state, sft_total = cached_sft(mod, tok, chat_template, [c["conversations"] for c in sft_convs], snapshots[total], out, args.cache)
    sft_dir = os.path.join(out, "checkpoints", "sft")
    os.makedirs(sft_dir)
    sft_pth = os.path.join(sft_dir, f"full_sft_{MODEL['hidden_size']}.pth")
    torch.save(sft_state, sft_pth)
    sft_label = f"sft (step {sft_total} of train_sft.log, from final)"
    export(sft_pth, sft_label, sft_total, "optimum", out)

    config = dict(MODEL, intermediate_size=64 * math.ceil(int(MODEL["hidden_size"] * 8 / 3) / 64),
                  rms_norm_eps=1e-5, rope_theta=1e6, max_position_embeddings=32768)
    checkpoints = {key: {"label": labels[key], "checkpoint": f"checkpoints/{key}/{pth}", "step": steps[key]} for key in keys}
    eval_sets = list(EVAL_SETS)
    ref = reference_measures.build_reference(out, config, checkpoints, eval_sets, L, P)
    final_model = reference_measures.load_model(os.path.join(out, checkpoints["final"]["checkpoint"]), config)
    texts = reference_measures.load_texts(os.path.join(out, TRAIN_SET))
    ref["shifted"] = {
        "label": shifted_label,
        "model": "checkpoints/shifted/model.onnx",
        "of": "final",
        "step": total,
        "what": note + "; measured on the final .pth with the same shift (reference_measures.ShiftedLogits); "
                "plain form, so autoregressive recomputes the prefix each step (usedKvCache false) and kvCache is not measured",
        "results": {TRAIN_SET: reference_measures.measure_set(reference_measures.ShiftedLogits(final_model), texts, tok, L, P, kv_cache=False)},
    }
    sft_model = reference_measures.load_model(sft_pth, config)
    sft_rows = []
    for c in eval_sft:
        ids = tok.encode(render_chat(chat_template, c["conversations"]))
        sft_rows.append((ids, sft_loss_mask(ids, tok, SFT["max_length"])))

    def sft_results(model):
        samples = [dict(index=i, **reference_measures.measure_sft(model, ids, mask)) for i, (ids, mask) in enumerate(sft_rows)]
        n_tokens = sum(len(s["rows"]) for s in samples)

        def avg(xs):
            xs = [x for x in xs if x is not None]
            return sum(xs) / len(xs)

        return {"samples": samples, "means": {
            "samples": len(samples),
            "loss": avg(s["loss"] for s in samples),
            "maskLate": avg(s["maskLate"]["loss"] for s in samples),
            "maskEarly": avg(s["maskEarly"]["loss"] for s in samples),
            "pooledLoss": sum(sum(s["tokenLosses"]) for s in samples) / n_tokens,
            "targetTokens": n_tokens,
        }}

    sft_points = reference_measures.log_points(os.path.join(out, "train_sft.log"))
    sft_sha = sha256_file(sft_pth)
    os.remove(sft_pth)  # not shipped, to keep the demo small: the export's manifest.json records its SHA-256
    ref["sft"] = {
        "label": sft_label,
        "source": {"checkpoint": os.path.relpath(sft_pth, out), "sha256": sft_sha, "shipped": False},
        "model": "checkpoints/sft/model.onnx",
        "step": sft_total,
        "log": "train_sft.log",
        "dataset": "eval_sft.json",
        "trainingData": "train_sft.jsonl",
        "definition": "MiniMind2 (29454c3) SFTDataset: roles by turn parity, tokenizer_config.json's chat template with its default "
                      "system turn and no generation prompt, nothing added by the tokenizer, no truncation needed (max_length "
                      f"{SFT['max_length']}). rows = logit rows t whose target ids[t+1] is in the loss mask (each assistant reply's "
                      "tokens, its <|im_end|> and the \\n after it). loss = mean CE over those rows (float64 log-softmax); maskLate = "
                      "rows t+1 (one position late; a row with no next token left out); maskEarly = rows t-1; means over conversations; "
                      "pooledLoss = sum over all rows / their number (what one batch of them logs)",
        "window": reference_measures.log_window(sft_points, sft_total),
        "results": {"sft": sft_results(sft_model), "final": sft_results(final_model)},
    }
    ref["curves"] = {"what": "mean teacherForcing and offsetSweep per eval set of the fp16 weights at these steps (make_demo.py's "
                             "choice of checkpoints)", "steps": {str(s): curve[s] for s in sorted(curve)}}
    ref["regressions"] = [paired(ref, a, b, d) for d in eval_sets for i, a in enumerate(keys) for b in keys[i + 1:]]
    write_json(os.path.join(out, "reference.json"), ref)
    print("\n".join(reference_measures.summary_lines(ref)))

    shutil.copyfile(os.path.join(STDLIB, "LICENSE.txt"), os.path.join(out, "PSF_LICENSE.txt"))
    write_docs(out, modules, len(train_rows), len(heldout), heldout_modules, len(code_rows), ref, steps, leak_found)

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
                         step_axis="(epoch - 1) * iter_per_epoch + step in epoch, as the log line reads; a checkpoint at step s holds the "
                                   "weights after s micro-steps, those the log line at step s measured its micro-batch with",
                         bos=False, pad_id=0, torch=torch.__version__, blas=reference_measures.blas_info()),
        "sft": dict(SFT, total_steps=sft_total, init="final", log="train_sft.log", data="train_sft.jsonl",
                    loss="MiniMind2 SFT: masked mean CE over each assistant reply's tokens, its <|im_end|> and the \\n after it; logged x accumulation_steps (one micro-batch)"),
        "settings": {"inputLength": L, "predictLength": P, "addBos": False, "prependBos": False},
        "checkpoints": [
            {"id": key, "kind": "pretrain", "label": labels[key], "step": steps[key],
             "checkpoint": f"checkpoints/{key}/{pth}", "dir": f"checkpoints/{key}", "onnx": f"checkpoints/{key}/model.onnx",
             **({"plain": f"checkpoints/{key}/model.plain.onnx"} if key == "final" else {})}
            for key in keys
        ] + [
            {"id": "shifted", "kind": "shifted", "label": shifted_label, "step": total, "deliberatelyBroken": True,
             "dir": "checkpoints/shifted", "onnx": "checkpoints/shifted/model.onnx", "of": "final"},
            {"id": "sft", "kind": "sft", "label": sft_label, "step": sft_total, "trainingLog": "train_sft.log",
             "source": {"checkpoint": os.path.relpath(sft_pth, out), "sha256": sft_sha, "shipped": False},
             "dir": "checkpoints/sft", "onnx": "checkpoints/sft/model.onnx", "from": "final"},
        ],
        "tokenizer": "tokenizer.json",
        "trainingData": "train.jsonl",
        "trainingLog": "train.log",
        "evalSets": eval_sets,
        "evalSetsDrawnFromTraining": {name: kind == "fromTraining" for name, kind in EVAL_SETS.items()},
        "datasets": [
            {"file": name, "kind": kind, "format": "pretrain", **({"trainingData": "train.jsonl"} if kind == "fromTraining" else {})}
            for name, kind in EVAL_SETS.items()
        ] + [{"file": "eval_sft.json", "kind": "fromTraining", "format": "sft", "trainingData": "train_sft.jsonl"}],
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
    for text in findings(ref, steps, leak_found):
        print("NOTE " + text)
    return 1 if failed else 0


def export(path, label, step, forms, out):
    subprocess.run(
        [sys.executable, os.path.join(HERE, "export_onnx.py"), "--checkpoint", path,
         "--minimind-dir", os.path.join(HERE, "minimind_compat"), "--num-heads", str(MODEL["num_attention_heads"]),
         "--tokenizer", os.path.join(out, "tokenizer.json"), "--no-copy-tokenizer", "--forms", forms,
         "--out", os.path.dirname(path), "--label", label, "--step", str(step)],
        check=True,
    )


def psf_notice():
    """The copyright notice the PSF License Agreement asks derivative works to retain, verbatim from LICENSE.txt."""
    with open(os.path.join(STDLIB, "LICENSE.txt"), encoding="utf-8") as f:
        m = re.search(r'notice of copyright,\s+i\.e\., "(Copyright.*?Reserved)"', f.read(), re.S)
    return " ".join(m.group(1).split()) if m else "Copyright (c) Python Software Foundation; All Rights Reserved"


def figure_tables(ref):
    """Markdown tables of the reference figures."""
    lines = ["| checkpoint | dataset | TF | top-1 | misaligned | aligned | AR | sweep -2 / -1 / 0 / +1 / +2 | kv max diff |", "|---|---|---|---|---|---|---|---|---|"]
    rows = list(ref["results"].items()) + [("shifted", ref["shifted"]["results"])]
    for key, sets in rows:
        for name, res in sets.items():
            m = res["means"]
            sweep = " / ".join(f"{m['offsetSweep'][str(s)]:.3f}" for s in (-2, -1, 0, 1, 2))
            kv = f"{m['kvCacheMaxAbsDiff']:.1e}" if m["kvCacheMaxAbsDiff"] is not None else "(no cache)"
            lines.append(f"| {key} | `{name}` | {m['teacherForcing']:.4f} | {m['teacherForcingTop1']:.3f} | {m['keepLastMisaligned']:.4f} | "
                         f"{m['keepLastAligned']:.4f} | {m['autoregressive']:.4f} | {sweep} | {kv} |")
    lines += ["", "Training-loss reference at each checkpoint's step (`train.log`, the 50 lines ending at the step; sd with n - 1):", "",
              "| checkpoint | step | lines (steps) | mean | sd | TF on `eval_data_from_train.json` |", "|---|---|---|---|---|---|"]
    for key, w in ref["training"]["windows"].items():
        tf = ref["results"][key]["eval_data_from_train.json"]["means"]["teacherForcing"]
        sd = f"{w['sd']:.4f}" if w["sd"] is not None else "-"
        lines.append(f"| {key} | {w['step']} | {w['lines']} ({w['firstStep']}..{w['lastStep']}) | {w['mean']:.4f} | {sd} | {tf:.4f} |")
    lines += ["", "Teacher forcing between checkpoints on the same samples (later minus earlier, paired mean ± standard error):", "",
              "| dataset | from | to | TF from | TF to | difference |", "|---|---|---|---|---|---|"]
    for r in ref["regressions"]:
        flag = " (worse)" if r["deltaMean"] > 2 * r["deltaSe"] and r["deltaMean"] > 0 else ""
        lines.append(f"| `{r['dataset']}` | {r['base']} | {r['other']} | {r['baseMean']:.4f} | {r['otherMean']:.4f} | "
                     f"{r['deltaMean']:+.4f} ± {r['deltaSe']:.4f}{flag} |")
    sft = ref["sft"]
    lines += ["", f"SFT on `eval_sft.json` ({sft['results']['sft']['means']['samples']} conversations, "
              f"{sft['results']['sft']['means']['targetTokens']} target tokens); training window at step {sft['window']['step']} of "
              f"`train_sft.log`: {sft['window']['mean']:.4f} ± {sft['window']['sd']:.4f} ({sft['window']['lines']} lines):", "",
              "| checkpoint | SFT loss (masked mean) | mask one position late | mask one position early | pooled over tokens |", "|---|---|---|---|---|"]
    for key in ("final", "sft"):
        m = sft["results"][key]["means"]
        lines.append(f"| {key} | {m['loss']:.4f} | {m['maskLate']:.4f} | {m['maskEarly']:.4f} | {m['pooledLoss']:.4f} |")
    return "\n".join(lines)


def curve_table(ref, steps):
    marks = {v: k for k, v in steps.items()}
    show = [s for s in map(int, ref["curves"]["steps"]) if s <= 120 or s % 100 == 0 or s in marks]
    lines = ["| step | TF train-drawn | sweep 0 | sweep +1 | TF held-out | TF OOD code |", "|---|---|---|---|---|---|"]
    for s in sorted(set(show)):
        c = ref["curves"]["steps"][str(s)]
        t = c["eval_data_from_train.json"]
        name = f" ({marks[s]})" if s in marks else ""
        lines.append(f"| {s}{name} | {t['teacherForcing']:.3f} | {t['offsetSweep']['0']:.3f} | {t['offsetSweep']['1']:.3f} | "
                     f"{c['eval_heldout.json']['teacherForcing']:.3f} | {c['eval_ood.json']['teacherForcing']:.3f} |")
    return "\n".join(lines)


def write_docs(out, modules, n_train, n_heldout_rows, heldout_modules, n_code_rows, ref, steps, leak_found):
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
    notes = "\n".join("- " + text for text in findings(ref, steps, leak_found))
    ckpts = ", ".join(f"`{k}` (step {v})" for k, v in steps.items())
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(f"""# LossLens demo experiment

A small, real replay of the seed report (a MiniMind model whose "inference loss" was 5x its training
loss because of an off-by-one slice after `logits_to_keep`), with checkpoints along training, a
deliberately broken export and an SFT checkpoint. Everything here is written by `tools/make_demo.py`;
do not edit by hand, re-run it.

| file | what |
|---|---|
| `train.jsonl` | the training data, MiniMind pretrain format (`{{"text": ...}}` per line), {n_train} rows of 150-255 tokens |
| `train.log` | the training log in MiniMind's 2025 format; each line's loss is ONE micro-batch's loss, as MiniMind logs it; a line every {TRAIN['log_interval']} steps |
| `checkpoints/<id>/` | {ckpts}: `pretrain_96.pth` (fp16 state_dict, MiniMind2 keys), `model.onnx` (Optimum form, KV cache), `manifest.json` (the exporter's, with `step`); `final/` also has `model.plain.onnx` |
| `checkpoints/shifted/` | `model.onnx`: **deliberately broken**, the final checkpoint's plain export with its logits moved one row later (row i = row i - 1), and a `manifest.json` that says so |
| `checkpoints/sft/` | `model.onnx` (Optimum form): `final` fine-tuned on `train_sft.jsonl` the MiniMind2 SFT way, logged in `train_sft.log`; its `full_sft_96.pth` is not shipped (size), its SHA-256 is in `manifest.json` |
| `tokenizer.json`, `tokenizer_config.json` | MiniMind2's tokenizer (Apache-2.0, see `TOKENIZER_LICENSE.md`) |
| `eval_data_from_train.json` | 20 rows drawn (seed {EVAL_SEED}) from `train.jsonl`, exactly as they appear there (kind: fromTraining) |
| `eval_heldout.json` | 20 rows of the same kind of text from modules never used for training (kind: heldOut) |
| `eval_ood.json` | 20 rows of Python source CODE (docstrings, comment lines and blank lines removed) of the held-out modules: out of domain (kind: heldOut) |
| `train_sft.jsonl`, `eval_sft.json` | {SFT['conversations']} conversations in MiniMind's SFT format ("What does json.dumps do?" answered with the first paragraph of its docstring), and 20 drawn from them |
| `reference.json` | every measurement computed in PyTorch (`tools/reference_measures.py` documents the layout) |
| `manifest.json` | model config, training settings, checkpoints (id, kind, label, step, files), datasets (kind), L = {L}, P = {P}, SHA-256 of every file |

Settings: input length L = {L}, predict length P = {P} (the seed's), no BOS. Steps are on the training
log's axis, (epoch - 1) x iter_per_epoch + step in epoch; the checkpoint at step s holds the weights
after s micro-steps, those the log line at step s measured its micro-batch with.

## How the checkpoints were chosen
- `very-early`: of the steps 5, 10, ..., 120, the one where the offset sweep on `eval_data_from_train.json`
  is lowest at +1 relative to 0 (row +1 has been fed its target token; an early model's copy tendency scores it
  lower). {"Found: see the table below." if leak_found else "No candidate step had +1 below 0 by more than " + str(LEAK_MARGIN) + " nats: step 30 is used and +1 is NOT lower there."}
- `early`: step {TRAIN['early_step']}, as before; `final`: the end of training.
- `mid`: {"the step (on a grid of " + str(CURVE_EVERY) + ") between early and final where the OOD code loss is lowest, included because final is worse there." if "mid" in steps else "none: the OOD code loss shows no minimum between early and final that final is clearly worse than."}

Loss along training (fp16 weights at these steps, mean over the 20 samples of each set):

{curve_table(ref, steps)}

## The figures (from `reference.json`, PyTorch)
{figure_tables(ref)}

```
{figures}
```
The seed's story (on `final`) and the shifted export, checked by make_demo.py:
{story}

What the other checkpoints show:
{notes}

## Text sources and licences
- The training and evaluation text is prose from the docstrings of Python {py}'s standard library as
  installed on Debian (`{STDLIB}`, test suites, idlelib and lib2to3 excluded): paragraphs without
  doctests or literal blocks, reflowed onto one line, de-duplicated, joined per module into rows.
  `eval_ood.json` is the Python source code of the held-out modules ({n_code_rows} rows of 150-255 tokens cut
  at def/class lines; 20 drawn with seed {EVAL_SEED + 1}). The SFT conversations pair a public function's name
  with the first paragraph of its docstring (training modules only).
  Python is distributed under the PSF License Agreement, which permits distributing derivative works
  provided that the agreement and the PSF's notice of copyright are retained: "{psf_notice()}".
  `PSF_LICENSE.txt` is a copy of `{STDLIB}/LICENSE.txt`, which holds the agreement.
- Modules used for training: {len(modules)}. Modules held out ({len(heldout_modules)}, {n_heldout_rows} prose rows, none of their text
  is in `train.jsonl`): {', '.join(heldout_modules)}.
- The model weights were trained here from that text and carry no other licence terms.
""")


if __name__ == "__main__":
    sys.exit(main())
