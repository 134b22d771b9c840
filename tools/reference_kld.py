#!/usr/bin/env python3
"""PyTorch reference for the token-distribution report (what llama.cpp's `--kl-divergence` prints), on the demo.

Same rows as reference.json's "compare" (tools/reference_measures.py: early as base, final as other, on
eval_data_from_train.json, teacher-forcing target rows L-1..N-2 of forward(T[0:N])), and the statistics
llama.cpp's tools/perplexity/perplexity.cpp prints at the end of a KL-divergence run, written out here
from their definitions (numpy, float64) rather than from LossLens' code:

  mean ± uncertainty   mean and sqrt((E[x^2] - E[x]^2) / (n - 1)) (its mean_and_uncertainty)
  percentile(f)        sorted values v, p = f * (n - 1), v[floor p] + (p - floor p) * (v[floor p + 1] - v[floor p])
  RMS Δp ± u           sqrt(E[Δp^2]) and 0.5 / RMS * uncertainty of the mean of Δp^2
  same top p ± u       fraction of rows with equal argmax and sqrt(p (1 - p) / (n - 1))

Writes resources/demo/reference-kld.json; test/engine/compare-reference.test.ts compares LossLens with it.

    /usr/bin/python3 tools/reference_kld.py [--demo-dir resources/demo]
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from reference_measures import ByteLevelBPETokenizer, _argmax_lowest, load_model, load_texts, write_json  # noqa: E402

KLD_PERCENTILES = [99.9, 99, 95, 90, 10, 5, 1, 0.1]
DELTA_P_PERCENTILES = [99.9, 99, 95, 90, 75, 25, 10, 5, 1, 0.1]


def percentile(values, q):
    v = np.sort(np.asarray(values, dtype=np.float64))
    p = q / 100 * (len(v) - 1)
    lo = int(np.floor(p))
    hi = min(lo + 1, len(v) - 1)
    return float(v[lo] + (p - lo) * (v[hi] - v[lo]))


def mean_and_uncertainty(values):
    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    f = x.mean()
    var = (x * x).mean() - f * f
    return float(f), float(np.sqrt(var / (n - 1))) if var > 0 and n > 1 else 0.0


def spread(values, qs):
    m, u = mean_and_uncertainty(values)
    return {
        "mean": m,
        "uncertainty": u,
        "median": percentile(values, 50),
        "min": float(np.min(values)),
        "max": float(np.max(values)),
        "percentiles": [{"q": q, "value": percentile(values, q)} for q in qs],
    }


@torch.no_grad()
def rows(base, other, texts, tokenizer, L, P):
    N = L + P
    klds, dps, same = [], [], []
    for text in texts:
        ids = tokenizer.encode(text)
        if len(ids) < N:
            continue
        T = torch.tensor(ids[:N])
        targets = T[L:N].view(-1, 1)
        lb = torch.log_softmax(base(T.unsqueeze(0)).logits[0][L - 1 : N - 1].double(), -1)
        lo = torch.log_softmax(other(T.unsqueeze(0)).logits[0][L - 1 : N - 1].double(), -1)
        klds.extend((lb.exp() * (lb - lo)).sum(-1).tolist())
        dps.extend((lo.exp().gather(1, targets) - lb.exp().gather(1, targets)).view(-1).tolist())
        same.extend(int(_argmax_lowest(lb[r]) == _argmax_lowest(lo[r])) for r in range(P))
    return klds, dps, same


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--demo-dir", default=os.path.join(HERE, "..", "resources", "demo"))
    args = p.parse_args(argv)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    with open(os.path.join(args.demo_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    with open(os.path.join(args.demo_dir, "reference.json"), encoding="utf-8") as f:
        compare = json.load(f)["compare"]
    config = manifest["model"]["config"]
    ckpt = {c["id"]: c["checkpoint"] for c in manifest["checkpoints"] if "checkpoint" in c}
    base = load_model(os.path.join(args.demo_dir, ckpt[compare["base"]]), config)
    other = load_model(os.path.join(args.demo_dir, ckpt[compare["other"]]), config)
    tok = ByteLevelBPETokenizer(os.path.join(args.demo_dir, "tokenizer.json"))
    texts = load_texts(os.path.join(args.demo_dir, compare["dataset"]))
    L, P = manifest["settings"]["inputLength"], manifest["settings"]["predictLength"]
    klds, dps, same = rows(base, other, texts, tok, L, P)
    n = len(klds)
    ms, ms_u = mean_and_uncertainty(np.square(dps))
    rms = float(np.sqrt(ms))
    top = float(np.mean(same))
    out = {
        "format": "losslens-reference-kld/1",
        "base": compare["base"],
        "other": compare["other"],
        "dataset": compare["dataset"],
        "inputLength": L,
        "predictLength": P,
        "tokens": n,
        "kld": spread(klds, KLD_PERCENTILES),
        "deltaP": spread(dps, DELTA_P_PERCENTILES),
        "rmsDeltaP": {"value": rms, "uncertainty": 0.5 / rms * ms_u},
        "sameTop1": {"value": top, "uncertainty": float(np.sqrt(top * (1 - top) / (n - 1)))},
        "versions": {"torch": torch.__version__, "numpy": np.__version__},
    }
    path = os.path.join(args.demo_dir, "reference-kld.json")
    write_json(path, out)
    print(json.dumps({k: out[k] for k in ("tokens", "rmsDeltaP", "sameTop1")}), f"\nwrote {path}")


if __name__ == "__main__":
    main()
