#!/usr/bin/env python3
"""PyTorch reference numbers for LossLens' whole-sample measures (docs/measurements.md): training-format loss,
rolling loss, bits per byte of the continuation, and the continuation scored with and without a BOS.

Each measure is written the way its source writes it, not the way LossLens computes it:
- trainFormat: MiniMind's pretraining dataset and loss. The sample is padded to max_length with the pad id and
  fed whole; X = ids[:-1], Y = ids[1:], loss mask = (Y != pad) (MiniMind2 at 29454c3: the text's tokens only;
  the 2026 code: [bos] + tokens[:max_length - 2] + [eos]). LossLens feeds no padding.
- rolling: lm-evaluation-harness's get_rolling_token_windows(tokens, prefix, max_seq_len, context_len=1),
  make_disjoint_window, and its HF model's (context + continuation)[-(max_length + 1):][:-1] input, the last
  len(continuation) rows scored. LossLens feeds one token more and drops the last row.
- bits per byte: -sum(log-likelihood) / (ln 2 * bytes), bytes = the UTF-8 bytes the scored target tokens stand for
  (a byte-level token stands for the bytes its characters map back to; the text's tokens sum to its UTF-8 length,
  checked here for every sample; the BOS/EOS the trainer wraps around a text stand for none).
The model is the float32 MiniMind-compat model (tools/minimind_compat) loaded from the demo's fp16 .pth files, the
cross-entropy a float64 log-softmax of its logits, as in tools/reference_measures.py.

    /usr/bin/python3 tools/reference_gap.py [--demo-dir resources/demo] [--out resources/demo/reference-gap.json]

reference-gap.json layout
-------------------------
{"format": "losslens-reference-gap/1", "settings": {...}, "versions": {...},
 "checkpoints": {"very-early": "checkpoints/very-early/pretrain_96.pth", "final": ...},
 "results": {"<checkpoint>": {"<dataset file>": {
    "trainFormat": {"<bos no|yes>/<maxSeqLen>": {"samples": [{"index", "loss", "tokens", "bytes", "bitsPerByte",
                                                               "positionLosses", "truncated"}],
                                                  "means": {"loss", "tokenWeighted", "bitsPerByte", "positions"}}},
    "rolling": {"<context>": {"samples": [{"index", "loss", "tokens", "bytes", "bitsPerByte", "positionLosses",
                                            "windows"}], "means": {...}}},
    "continuation": {"inputLength": L, "predictLength": P,
                     "samples": [{"index", "loss", "bytes", "bitsPerByte", "withBos", "withoutBos"}],
                     "means": {"loss", "bitsPerByte", "withBos", "withoutBos"}}}}}}
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bpe_tokenizer import ByteLevelBPETokenizer  # noqa: E402
from reference_measures import _ce, blas_info, load_model, load_texts  # noqa: E402

CHECKPOINTS = {"very-early": "checkpoints/very-early/pretrain_96.pth", "final": "checkpoints/final/pretrain_96.pth"}
DATASETS = ["eval_data_from_train.json", "eval_heldout.json"]
MAX_SEQ_LENS = [512, 64]
ROLLING_CONTEXTS = [64]
L, P = 64, 30


class Tok:
    def __init__(self, demo_dir):
        self.bpe = ByteLevelBPETokenizer(os.path.join(demo_dir, "tokenizer.json"))
        with open(os.path.join(demo_dir, "tokenizer_config.json"), encoding="utf-8") as f:
            config = json.load(f)
        self.bos = self.bpe.added[config["bos_token"]]
        self.eos = self.bpe.added[config["eos_token"]]
        self.pad = self.bpe.added[config["pad_token"]]

    def encode(self, text):
        return self.bpe.encode(text)

    def token_bytes(self, i):
        tok = self.bpe.id_to_token[int(i)]
        if int(i) in self.bpe._added_ids:
            return len(tok.encode("utf-8"))
        return len(bytes(self.bpe.byte_decoder[c] for c in tok))

    def bytes_of(self, ids):
        return sum(self.token_bytes(i) for i in ids)


def summary(samples):
    losses = [s["loss"] for s in samples]
    nll = sum(s["loss"] * s["tokens"] for s in samples)
    tokens = sum(s["tokens"] for s in samples)
    nbytes = sum(s["bytes"] for s in samples)
    longest = max(len(s["positionLosses"]) for s in samples)
    positions = [float(np.mean([s["positionLosses"][i] for s in samples if len(s["positionLosses"]) > i]))
                 for i in range(longest)]
    return {"loss": float(np.mean(losses)), "tokenWeighted": nll / tokens, "bitsPerByte": nll / (math.log(2) * nbytes),
            "positions": positions}


@torch.no_grad()
def train_format(model, tok, text_ids, wrap, max_length):
    """One sample as MiniMind's PretrainDataset + train_epoch score it (padded batch of one)."""
    if wrap:
        body = text_ids[: max_length - 2]
        ids = [tok.bos] + body + [tok.eos]
        truncated = len(text_ids) > max_length - 2
    else:
        ids = text_ids[:max_length]
        body = ids[1:]
        truncated = len(text_ids) > max_length
    n = len(ids)
    padded = torch.tensor(ids + [tok.pad] * (max_length - n), dtype=torch.long)
    X, Y = padded[:-1], padded[1:]
    mask = (Y != tok.pad).double()
    ce = _ce(model(X.unsqueeze(0)).logits[0], Y)
    loss = float((ce * mask).sum() / mask.sum())
    counted = int(mask.sum())
    nbytes = tok.bytes_of([i for i in body if i != tok.pad])
    nll = float((ce * mask).sum())
    return {"loss": loss, "tokens": counted, "bytes": nbytes, "bitsPerByte": nll / (math.log(2) * nbytes),
            "positionLosses": ce[: n - 1].tolist(), "truncated": truncated}


def get_rolling_token_windows(token_list, prefix_token, max_seq_len, context_len):
    """lm-evaluation-harness (lm_eval/utils.py), verbatim in substance."""
    assert 1 <= context_len <= max_seq_len
    if not token_list:
        return
    pred_len = max_seq_len - context_len + 1
    predicted = 0
    first_seq_len = min(max_seq_len, len(token_list))
    yield [prefix_token] + token_list[: first_seq_len - 1], token_list[:first_seq_len]
    predicted += first_seq_len
    while predicted < len(token_list):
        window_pred_len = min(len(token_list) - predicted, pred_len)
        window_end = predicted + window_pred_len
        yield (token_list[window_end - max_seq_len - 1 : window_end - 1], token_list[window_end - window_pred_len : window_end])
        predicted += window_pred_len


def make_disjoint_window(pair):
    a, b = pair
    return a[: len(a) - (len(b) - 1)], b


@torch.no_grad()
def rolling(model, tok, text_ids, max_length):
    prefix = tok.bos
    losses, windows = [], 0
    for context, continuation in map(make_disjoint_window,
                                     get_rolling_token_windows(text_ids, prefix, max_length, 1)):
        inp = (context + continuation)[-(max_length + 1):][:-1]  # HFLM._loglikelihood_tokens
        logits = model(torch.tensor([inp])).logits[0]
        rows = logits[len(inp) - len(continuation):]
        losses.extend(_ce(rows, torch.tensor(continuation)).tolist())
        windows += 1
    nbytes = tok.bytes_of(text_ids)
    nll = sum(losses)
    return {"loss": nll / len(losses), "tokens": len(losses), "bytes": nbytes,
            "bitsPerByte": nll / (math.log(2) * nbytes), "positionLosses": losses, "windows": windows}


@torch.no_grad()
def continuation(model, tok, text_ids):
    N = L + P
    T = torch.tensor(text_ids[:N])
    targets = T[L:N]
    ce = _ce(model(T.unsqueeze(0)).logits[0][L - 1 : N - 1], targets)
    with_bos = _ce(model(torch.tensor([[tok.bos] + text_ids[:N]])).logits[0][L:N], targets)
    nbytes = tok.bytes_of(text_ids[L:N])
    return {"loss": ce.mean().item(), "bytes": nbytes, "bitsPerByte": ce.sum().item() / (math.log(2) * nbytes),
            "withBos": with_bos.mean().item(), "withoutBos": ce.mean().item()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo-dir", default=os.path.join(HERE, "..", "resources", "demo"))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    demo = os.path.abspath(args.demo_dir)
    out_path = args.out or os.path.join(demo, "reference-gap.json")
    with open(os.path.join(demo, "manifest.json"), encoding="utf-8") as f:
        config = json.load(f)["model"]["config"]
    torch.set_num_threads(2)
    tok = Tok(demo)
    texts = {name: load_texts(os.path.join(demo, name)) for name in DATASETS}
    for name, rows in texts.items():
        for i, text in enumerate(rows):
            assert tok.bytes_of(tok.encode(text)) == len(text.encode("utf-8")), f"{name} #{i}: token bytes"
    results = {}
    for key, pth in CHECKPOINTS.items():
        model = load_model(os.path.join(demo, pth), config)
        results[key] = {}
        for name, rows in texts.items():
            ids = [tok.encode(t) for t in rows]
            entry = {"trainFormat": {}, "rolling": {}}
            for wrap in (False, True):
                for msl in MAX_SEQ_LENS:
                    samples = [dict(index=i, **train_format(model, tok, t, wrap, msl)) for i, t in enumerate(ids)]
                    entry["trainFormat"][f"{'yes' if wrap else 'no'}/{msl}"] = {"samples": samples, "means": summary(samples)}
            for ctx in ROLLING_CONTEXTS:
                samples = [dict(index=i, **rolling(model, tok, t, ctx)) for i, t in enumerate(ids)]
                entry["rolling"][str(ctx)] = {"samples": samples, "means": summary(samples)}
            cont = [dict(index=i, **continuation(model, tok, t)) for i, t in enumerate(ids) if len(t) >= L + P]
            nll = sum(s["loss"] * P for s in cont)
            entry["continuation"] = {
                "inputLength": L, "predictLength": P, "samples": cont,
                "means": {"loss": float(np.mean([s["loss"] for s in cont])),
                          "bitsPerByte": nll / (math.log(2) * sum(s["bytes"] for s in cont)),
                          "withBos": float(np.mean([s["withBos"] for s in cont])),
                          "withoutBos": float(np.mean([s["withoutBos"] for s in cont]))}}
            results[key][name] = entry
            print(key, name, {k: v["means"]["loss"] for k, v in entry["trainFormat"].items()},
                  entry["rolling"]["64"]["means"]["loss"], entry["continuation"]["means"], flush=True)
    out = {
        "format": "losslens-reference-gap/1",
        "settings": {"maxSeqLens": MAX_SEQ_LENS, "rollingContexts": ROLLING_CONTEXTS, "inputLength": L,
                     "predictLength": P, "bos": tok.bos, "eos": tok.eos, "pad": tok.pad,
                     "crossEntropy": "float64 log-softmax of the float32 model's logits",
                     "rollingPrefix": "bos_token (lm-evaluation-harness's prefix_token_id: BOS when the tokenizer has one)"},
        "versions": {"torch": torch.__version__, "python": sys.version.split()[0], "blas": blas_info()},
        "checkpoints": CHECKPOINTS,
        "datasets": DATASETS,
        "results": results,
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", out_path, os.path.getsize(out_path), "bytes")


if __name__ == "__main__":
    main()
