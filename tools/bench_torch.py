#!/usr/bin/env python3
"""PyTorch speed baseline for `npm run bench` (LossLens' engine vs PyTorch eager on the same model).

    /usr/bin/python3 tools/bench_torch.py --make-model DIR [--tokenizer tokenizer.json]
        a MiniMind2-size model (hidden 512, 8 layers, 8 heads, 2 kv heads, vocab 6400: 25.8M parameters,
        random init, torch seed 0) saved as DIR/pretrain_512.pth (fp16) and exported by
        tools/export_onnx.py into DIR (model.onnx, model.plain.onnx, manifest.json, tokenizer.json),
        plus DIR/bench_eval.json: 20 samples of >= 96 tokens (Python docstring prose, as the demo's).

    /usr/bin/python3 tools/bench_torch.py --measure --model-dir DIR [--threads 2] [--json OUT.json]
        with torch.set_num_threads(threads), on the float32 model loaded from the same .pth:
        gemmGflops          best of a few 2048^3 fp32 matmuls
        (tf and battery: the best of a few repeats; AR: the median step: the machine may be shared)
        tfTokensPerSecond   teacher forcing, forward of T[0:N] (N = L + P = 94), one sample at a time
        tfBatchTokensPerSecond   the same 20 x 94 tokens as one batch
        batteryMsPerSample  each measure computed separately, per sample: teacherForcing, keepLast
                            misaligned and aligned, the offset sweep as 5 forwards of T[0:N+2], greedy
                            autoregressive with MiniMind's KV cache (prefill + P-1 steps), the kvCache
                            check's full forward
        arMsPerStep, arTokensPerSecond, arPrefillMs   greedy decoding with the KV cache, one sample at a
                            time: prefill of T[0:L], then P one-token steps
        with --train-seqs FILE (a JSON list of equal-length token lists, T = 512 from `npm run bench`):
        trainTokensPerSecond, trainBatchTokensPerSecond, trainLoss   training-format loss as MiniMind's
                            pretraining step computes it (X = ids[:-1], Y = ids[1:], mean CE over every
                            position), one sequence at a time and all of them as one batch; tokens = targets
        blas, blasLibraries, referenceBlas   the BLAS torch runs on: BLAS_INFO and the BLAS/LAPACK
                            libraries mapped into this process (/proc/self/maps); referenceBlas is true when
                            that is Debian's reference BLAS (libblas3) with no OpenBLAS/MKL/BLIS loaded
    Model dimensions come from DIR/manifest.json. Prints the JSON and writes it to --json.
"""
import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bpe_tokenizer import ByteLevelBPETokenizer  # noqa: E402
from reference_measures import blas_info, load_compat_module, load_model  # noqa: E402

MINIMIND2 = dict(hidden_size=512, num_hidden_layers=8, num_attention_heads=8, num_key_value_heads=2, vocab_size=6400)
L, P = 64, 30


def default_tokenizer():
    for cand in (os.path.join(ROOT, "resources", "demo", "tokenizer.json"),
                 os.path.join(ROOT, "..", "shared", "minimind", "tokenizer.json")):
        if os.path.isfile(cand):
            return cand
    return None


def make_model(out, tokenizer):
    os.makedirs(out, exist_ok=True)
    mod = load_compat_module()
    torch.manual_seed(0)
    model = mod.MiniMindForCausalLM(mod.MiniMindConfig(**MINIMIND2))
    pth = os.path.join(out, "pretrain_512.pth")
    torch.save({k: v.half() for k, v in model.state_dict().items()}, pth)
    subprocess.run(
        [sys.executable, os.path.join(HERE, "export_onnx.py"), "--checkpoint", pth,
         "--minimind-dir", os.path.join(HERE, "minimind_compat"), "--num-heads", str(MINIMIND2["num_attention_heads"]),
         "--tokenizer", tokenizer, "--out", out, "--label", "MiniMind2-size, random init (seed 0)"],
        check=True,
    )
    import make_demo  # the demo's corpus code: prose rows of 150-255 tokens

    tok = ByteLevelBPETokenizer(tokenizer)
    rows = [r[1] for r in make_demo.build_rows(tok)]
    random.Random(0).shuffle(rows)
    samples = [{"text": t} for t in rows if len(tok.encode(t)) >= 96][:20]
    with open(os.path.join(out, "bench_eval.json"), "w", encoding="utf-8") as f:
        json.dump(samples, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {out}/bench_eval.json ({len(samples)} samples)")


def loaded_blas():
    """The BLAS/LAPACK libraries mapped into this process after a matmul (Linux), and whether the one torch
    runs on is Debian's reference BLAS: python3-torch links libblas.so.3, which is the reference
    implementation (/usr/lib/<arch>/blas/) unless libopenblas0-pthread (or another optimised BLAS) provides it."""
    a = torch.randn(64, 64)
    a @ a
    libs = []
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path)
                if re.search(r"blas|lapack|mkl|blis", name, re.I) and path not in libs:
                    libs.append(path)
    except OSError:
        return [], False
    optimised = any(re.search(r"openblas|mkl|blis", p, re.I) for p in libs)
    reference = not optimised and any("/blas/" in p or os.path.basename(p).startswith("libblas") for p in libs)
    return libs, reference


@torch.no_grad()
def train_format(model, seqs, batched):
    """MiniMind's pretraining loss over each sequence: forward over ids[:-1], CE against ids[1:], every
    position counted (no padding here). Returns the mean loss over all targets."""
    if batched:
        x = torch.tensor(seqs)
        logits = model(x[:, :-1]).logits
        return float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1)))
    total = 0.0
    for seq in seqs:
        x = torch.tensor([seq])
        logits = model(x[:, :-1]).logits
        total += float(F.cross_entropy(logits[0], x[0, 1:], reduction="sum"))
    return total / (len(seqs) * (len(seqs[0]) - 1))


def timed(fn, repeat=1):
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def gemm_gflops(n=2048, tries=5):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = min(timed(lambda: a @ b) for _ in range(tries))
    return 2 * n**3 / best / 1e9


@torch.no_grad()
def greedy(model, ids, steps):
    """Prefill ids, then `steps` one-token steps with MiniMind's cache; returns (prefill_s, step_s list)."""
    t0 = time.perf_counter()
    res = model(ids.unsqueeze(0), use_cache=True)
    prefill = time.perf_counter() - t0
    past, nxt = res.past_key_values, int(res.logits[0, -1].argmax())
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        res = model(torch.tensor([[nxt]]), past_key_values=past, use_cache=True)
        past, nxt = res.past_key_values, int(res.logits[0, -1].argmax())
        times.append(time.perf_counter() - t0)
    return prefill, times


@torch.no_grad()
def battery(model, T):
    N = L + P
    x = T[:N].unsqueeze(0)
    model(x)  # teacherForcing
    model(x, logits_to_keep=P)  # keepLastMisaligned
    model(x, logits_to_keep=P + 1)  # keepLastAligned
    wide = T[: N + 2].unsqueeze(0)
    for _ in range(5):  # offset sweep, one forward per shift
        model(wide)
    res = model(T[:L].unsqueeze(0), use_cache=True)  # autoregressive with the cache
    past, gen = res.past_key_values, [int(res.logits[0, -1].argmax())]
    for _ in range(P - 1):
        res = model(torch.tensor([[gen[-1]]]), past_key_values=past, use_cache=True)
        past = res.past_key_values
        gen.append(int(res.logits[0, -1].argmax()))
    model(torch.cat([T[:L], torch.tensor(gen)]).unsqueeze(0))  # kvCache: one full forward


def measure_train(model_dir, threads, train_seqs):
    """Only the training-format figures (and the BLAS), for a quick comparison on a busy machine."""
    torch.set_num_threads(threads)
    with open(os.path.join(model_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    model = load_model(os.path.join(model_dir, manifest["source"]["checkpoint"]), manifest["config"])
    with open(train_seqs, encoding="utf-8") as f:
        seqs = json.load(f)
    targets = len(seqs) * (len(seqs[0]) - 1)
    train_format(model, seqs[:1], False)
    one = min(timed(lambda: train_format(model, seqs, False)) for _ in range(2))
    train_format(model, seqs, True)
    batched = min(timed(lambda: train_format(model, seqs, True)) for _ in range(2))
    libs, reference = loaded_blas()
    return {"threads": threads, "torchVersion": torch.__version__, "blas": blas_info(), "blasLibraries": libs,
            "referenceBlas": reference, "gemmGflops": gemm_gflops(), "trainSequences": len(seqs),
            "trainLength": len(seqs[0]), "trainTokensPerSecond": targets / one,
            "trainBatchTokensPerSecond": targets / batched, "trainLoss": train_format(model, seqs, True)}


def measure(model_dir, threads, train_seqs=None):
    torch.set_num_threads(threads)
    with open(os.path.join(model_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    config = manifest["config"]
    pth = os.path.join(model_dir, manifest["source"]["checkpoint"])
    model = load_model(pth, config)
    tok = ByteLevelBPETokenizer(os.path.join(model_dir, "tokenizer.json"))
    with open(os.path.join(model_dir, "bench_eval.json"), encoding="utf-8") as f:
        texts = [row["text"] for row in json.load(f)]
    samples = [torch.tensor(tok.encode(t)[: L + P + 2]) for t in texts]
    N = L + P
    # Best of a few repeats, and the median decode step: the machine may be shared, and a slow outlier
    # says more about the neighbours than about PyTorch.
    with torch.no_grad():
        model(samples[0][:N].unsqueeze(0))  # warm-up
        tf = min(timed(lambda: [model(s[:N].unsqueeze(0)) for s in samples]) for _ in range(3))
        batch = torch.stack([s[:N] for s in samples])
        model(batch)
        tf_batch = min(timed(lambda: model(batch)) for _ in range(3))
        battery(model, samples[0])
        bat = min(timed(lambda: [battery(model, s) for s in samples]) for _ in range(2)) / len(samples)
        prefills, steps = [], []
        greedy(model, samples[0][:L], 2)
        for s in samples:
            pre, st = greedy(model, s[:L], P)
            prefills.append(pre)
            steps.extend(st)
    ms_step = 1000 * sorted(steps)[len(steps) // 2]
    train = {}
    if train_seqs:
        with open(train_seqs, encoding="utf-8") as f:
            seqs = json.load(f)
        targets = len(seqs) * (len(seqs[0]) - 1)
        train_format(model, seqs[:1], False)  # warm-up
        one = min(timed(lambda: train_format(model, seqs, False)) for _ in range(2))
        train_format(model, seqs, True)
        batched = min(timed(lambda: train_format(model, seqs, True)) for _ in range(2))
        train = {
            "trainSequences": len(seqs),
            "trainLength": len(seqs[0]),
            "trainTokensPerSecond": targets / one,
            "trainBatchTokensPerSecond": targets / batched,
            "trainLoss": train_format(model, seqs, True),
        }
    libs, reference = loaded_blas()
    return {
        **train,
        "blasLibraries": libs,
        "referenceBlas": reference,
        "threads": threads,
        "torchVersion": torch.__version__,
        "blas": blas_info(),
        "cpu": platform.processor() or platform.machine(),
        "model": {k: config[k] for k in ("hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "vocab_size")},
        "parameters": manifest.get("parameters"),
        "samples": len(samples),
        "inputLength": L,
        "predictLength": P,
        "gemmGflops": gemm_gflops(),
        "tfTokensPerSecond": len(samples) * N / tf,
        "tfBatchTokensPerSecond": len(samples) * N / tf_batch,
        "batteryMsPerSample": 1000 * bat,
        "arMsPerStep": ms_step,
        "arTokensPerSecond": 1000 / ms_step,
        "arPrefillMs": 1000 * sorted(prefills)[len(prefills) // 2],
        "timing": "tf*, battery: best of 3 / 2 repeats over the 20 samples; ar*: median over 20 x P steps",
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--make-model", metavar="DIR")
    p.add_argument("--tokenizer", default=default_tokenizer())
    p.add_argument("--measure", action="store_true")
    p.add_argument("--model-dir")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", metavar="OUT.json")
    p.add_argument("--train-seqs", metavar="SEQS.json", help="equal-length token lists for the training-format loss")
    p.add_argument("--train-only", action="store_true", help="with --measure and --train-seqs: only those figures")
    args = p.parse_args(argv)
    if not args.make_model and not args.measure:
        p.error("give --make-model DIR and/or --measure --model-dir DIR")
    if args.make_model:
        if not args.tokenizer or not os.path.isfile(args.tokenizer):
            p.error("no tokenizer.json found: give --tokenizer")
        make_model(args.make_model, args.tokenizer)
    if args.measure:
        model_dir = args.model_dir or args.make_model
        if not model_dir:
            p.error("--measure needs --model-dir")
        if args.train_only and not args.train_seqs:
            p.error("--train-only needs --train-seqs")
        result = (measure_train(model_dir, args.threads, args.train_seqs) if args.train_only
                  else measure(model_dir, args.threads, args.train_seqs))
        text = json.dumps(result, indent=2)
        print(text)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                f.write(text + "\n")


if __name__ == "__main__":
    main()
