#!/usr/bin/env python3
"""PyTorch reference numbers for LossLens' measurements (docs/measurements.md), for the demo experiment.

Each measurement is implemented the straightforward way, on the float32 MiniMind-compat model
(tools/minimind_compat) loaded from the demo's fp16 .pth checkpoints, with the cross-entropy taken
from a float64 log-softmax. LossLens' TypeScript engine runs the exported ONNX models and its tests
compare against these numbers (at about 1e-4).

    /usr/bin/python3 tools/reference_measures.py [--demo-dir resources/demo] [--out reference.json]

reads the demo's manifest.json (model config, L, P, checkpoints), eval sets and train.log, and
writes reference.json (the pretrain checkpoints only; make_demo.py calls build_reference() directly and adds
the shifted export, the SFT checkpoint, the loss curves and the regressions).

Notation: T = a sample's token ids (tokenizer.json, no BOS), L = inputLength, P = predictLength,
N = L + P; row i of a forward's logits predicts token i + 1.

reference.json layout
---------------------
{
  "format": "losslens-reference/1",
  "settings": {"inputLength": L, "predictLength": P, "prependBos": false, "offsets": [-2, -1, 0, 1, 2],
               "crossEntropy": "...", "argmaxTies": "lowest id", "p99": "..."},
  "versions": {"torch": ..., "python": ..., "blas": ...},
  "model": {config of the model},
  "training": {"log": "train.log", "lines": n, "lastLoss": x, "trailingWindow": 10, "trailingMean": y,
               "windows": {"<checkpoint key>": {"step", "window": 50, "lines", "firstStep", "lastStep", "mean", "sd",
                                                "sdPopulation"}}},   the training-loss reference at each checkpoint's
                                            step: the log lines with step <= the checkpoint's (log axis: (epoch - 1) *
                                            iter_per_epoch + step in epoch), the last 50 of them; sd with n - 1
  "checkpoints": {"early": {"label": "early (step N)", "checkpoint": "checkpoints/early/pretrain_96.pth", "step": N},
                  "final": {...}},
  "results" and "compare" below use these keys.
  "results": {
    "<checkpoint key>": {
      "<dataset file>": {
        "samples": [{
          "index": i,                       position of the sample in the dataset file
          "tokens": len(T),
          "ids": T[0 : min(len(T), N + 2)],
          "teacherForcing": {"loss", "tokenLosses": [P], "top1"},   rows L-1..N-2 of forward(T[0:N]) vs T[L..N-1];
                                            top1 = fraction of the P targets that are the row's argmax
          "keepLastMisaligned": {"loss"},   forward(T[0:N], logits_to_keep=P): rows N-P..N-1 vs T[L..N-1]
          "keepLastAligned": {"loss"},      logits_to_keep=P+1, last row dropped
          "offsetSweep": {"-2": loss, ..., "2": loss},   rows L-1+s..N-2+s of forward(T[0:N+2]) vs T[L..N-1];
                                            a shift whose rows the sample lacks is left out
          "autoregressive": {"loss", "stepLosses": [P], "generatedIds": [P], "generatedText"},
                                            greedy from T[0:L] with the KV cache; step j scores the TRUE T[L+j]
                                            given T[0:L] + the model's own j generated tokens
          "kvCache": {"maxAbsDiff", "top1Agreement"}     the P cached-step logit rows (prefill row L-1, then
                                            P-1 one-token steps) vs rows L-1..N-2 of forward(T[0:L] + generated)
        }],
        "skipped": [{"index", "tokens", "reason"}],
        "means": {"samples", "teacherForcing", "teacherForcingTop1", "keepLastMisaligned", "keepLastAligned",
                  "offsetSweep": {"-2": mean over the samples that have it, ...}, "autoregressive",
                  "autoregressiveSteps": [P] mean CE per step, "teacherForcingSteps": [P] mean CE per target,
                  "kvCacheMaxAbsDiff" (the largest over samples), "kvCacheTop1Agreement"}
                  (the names of src/shared/results.ts' MeansSchema)
      }
    }
  },
  "compare": {"base": "early", "other": "final", "dataset": "eval_data_from_train.json",
              "rows": "teacher-forcing target rows L-1..N-2 of forward(T[0:N])",
              "meanKld", "medianKld", "p99Kld", "maxKld",   per-token KL(base || other), float64 softmax
              "sameTop1",                                    fraction of rows whose argmaxes agree
              "rmsDeltaP",                                   RMS over rows of p_other(true) - p_base(true)
              "samples", "tokens",
              "perSample": [{"index", "base", "other", "delta"}]}   teacher-forcing losses, delta = other - base
}
make_demo.py adds:
  "shifted": {"label", "model", "of": "final", "step", "what",
              "results": {"eval_data_from_train.json": same layout as "results" above}}   the deliberately broken export
                                            (ShiftedLogits: row i = the model's row i - 1); plain form, so autoregressive
                                            recomputes the prefix ("usedKvCache": false) and there is no "kvCache"
  "sft": {"label", "checkpoint", "model", "step", "log", "dataset", "trainingData", "definition",
          "window": log_window of the SFT log at the SFT checkpoint's step,
          "results": {"sft" | "final": {"samples": [{"index", "tokens", "ids", "rows", "targetIds", "tokenLosses", "loss",
                                                     "maskLate": {"rows", "loss"}, "maskEarly": {"rows", "loss"}}],
                                         "means": {"samples", "loss", "maskLate", "maskEarly", "pooledLoss", "targetTokens"}}}}
                                            measure_sft() per conversation of eval_sft.json
  "curves": {"what", "steps": {"<step>": {"<dataset>": quick_means()}}}   loss along training
  "regressions": [{"base", "other", "dataset", "baseMean", "otherMean", "deltaMean", "deltaSe", "samples"}]
                                            paired teacher-forcing difference (other - base) for every pair of checkpoints
"""
import argparse
import importlib.util
import json
import os
import re
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bpe_tokenizer import ByteLevelBPETokenizer  # noqa: E402

OFFSETS = (-2, -1, 0, 1, 2)
LOG_LOSS = re.compile(r"loss:\s*([0-9.]+(?:e-?\d+)?)")


def blas_info():
    """Which BLAS torch runs on: Debian's torch says BLAS_INFO=generic and uses whatever libblas.so.3 points to
    (the reference BLAS is ~50x slower than OpenBLAS), which matters for every timing and the last bits of results."""
    m = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    name = m.group(1) if m else "unknown"
    lib = "/usr/lib/x86_64-linux-gnu/libblas.so.3"
    if name == "generic" and os.path.exists(lib):
        name += " -> " + os.path.realpath(lib)
    return name


def load_compat_module():
    """tools/minimind_compat/model/model_minimind.py under a private module name (no `model` package clash)."""
    path = os.path.join(HERE, "minimind_compat", "model", "model_minimind.py")
    spec = importlib.util.spec_from_file_location("losslens_minimind_compat", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_model(pth, config):
    mod = load_compat_module()
    model = mod.MiniMindForCausalLM(mod.MiniMindConfig(**config))
    state = torch.load(pth, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.float().eval()


def _ce(logits_rows, targets):
    """Per-row cross-entropy in float64."""
    logp = torch.log_softmax(logits_rows.double(), dim=-1)
    return -logp.gather(1, targets.view(-1, 1)).view(-1)


def _argmax_lowest(row):
    return int((row == row.max()).nonzero()[0, 0])


class ShiftedLogits(torch.nn.Module):
    """A deliberately broken model: `model`'s logits moved one row later (row i = the model's row i - 1, row 0 kept),
    as checkpoints/shifted/model.onnx computes them. Plain form: no KV cache, logits_to_keep slices the shifted rows."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, logits_to_keep=0, **_):
        logits = self.model(input_ids).logits
        logits = torch.cat([logits[:, :1], logits[:, :-1]], dim=1)
        if logits_to_keep:
            logits = logits[:, -logits_to_keep:]
        return type("Out", (), {"logits": logits})()


@torch.no_grad()
def quick_means(model, texts, tokenizer, L, P):
    """Mean teacher forcing and offset sweep over a set (the definitions of measure_sample, one forward over
    T[0:N+2] per sample): for choosing checkpoints along training."""
    N = L + P
    tf, sweep = [], {str(s): [] for s in OFFSETS}
    for text in texts:
        ids = tokenizer.encode(text)
        if len(ids) < N:
            continue
        T = torch.tensor(ids[: N + 2])
        logits = model(T.unsqueeze(0)).logits[0]
        targets = T[L:N]
        tf.append(_ce(logits[L - 1 : N - 1], targets).mean().item())
        for s in OFFSETS:
            lo, hi = L - 1 + s, N - 2 + s
            if lo >= 0 and hi < len(T):
                sweep[str(s)].append(_ce(logits[lo : hi + 1], targets).mean().item())
    return {"samples": len(tf), "teacherForcing": float(np.mean(tf)),
            "offsetSweep": {k: float(np.mean(v)) for k, v in sweep.items() if v}}


@torch.no_grad()
def measure_sample(model, ids, L, P, tokenizer, kv_cache=True):
    N = L + P
    T = torch.tensor(ids, dtype=torch.long)
    targets = T[L:N]
    out = {}
    logits = model(T[:N].unsqueeze(0)).logits[0]
    tl = _ce(logits[L - 1 : N - 1], targets)
    top1 = sum(_argmax_lowest(logits[r]) == int(targets[r - L + 1]) for r in range(L - 1, N - 1)) / P
    out["teacherForcing"] = {"loss": tl.mean().item(), "tokenLosses": tl.tolist(), "top1": top1}

    kept = model(T[:N].unsqueeze(0), logits_to_keep=P).logits[0]  # rows N-P..N-1
    out["keepLastMisaligned"] = {"loss": _ce(kept, targets).mean().item()}
    kept = model(T[:N].unsqueeze(0), logits_to_keep=P + 1).logits[0][:-1]  # rows N-P-1..N-2
    out["keepLastAligned"] = {"loss": _ce(kept, targets).mean().item()}

    wide = T[: min(len(T), N + 2)]
    logits_w = model(wide.unsqueeze(0)).logits[0]
    sweep = {}
    for s in OFFSETS:
        lo, hi = L - 1 + s, N - 2 + s
        if lo >= 0 and hi < len(wide):
            sweep[str(s)] = _ce(logits_w[lo : hi + 1], targets).mean().item()
    out["offsetSweep"] = sweep

    if not kv_cache:  # each step recomputes the whole prefix and takes its last row; no kvCache check
        generated, step_rows = [], []
        for j in range(P):
            row = model(torch.cat([T[:L], torch.tensor(generated, dtype=torch.long)]).unsqueeze(0)).logits[0, -1]
            step_rows.append(row)
            generated.append(_argmax_lowest(row))
        sl = _ce(torch.stack(step_rows), targets)
        out["autoregressive"] = {"loss": sl.mean().item(), "stepLosses": sl.tolist(), "generatedIds": generated,
                                 "generatedText": tokenizer.decode(generated), "usedKvCache": False}
        return out

    # Greedy generation with MiniMind's own KV cache; step j scores the true T[L+j].
    res = model(T[:L].unsqueeze(0), use_cache=True)
    past, row = res.past_key_values, res.logits[0, -1]
    step_rows, generated = [], []
    for j in range(P):
        step_rows.append(row)
        nxt = _argmax_lowest(row)
        generated.append(nxt)
        if j == P - 1:
            break
        res = model(torch.tensor([[nxt]]), past_key_values=past, use_cache=True)
        past, row = res.past_key_values, res.logits[0, -1]
    step_rows = torch.stack(step_rows)
    sl = _ce(step_rows, targets)
    out["autoregressive"] = {
        "loss": sl.mean().item(),
        "stepLosses": sl.tolist(),
        "generatedIds": generated,
        "generatedText": tokenizer.decode(generated),
    }
    full = model(torch.cat([T[:L], torch.tensor(generated)]).unsqueeze(0)).logits[0][L - 1 : N - 1]
    agree = sum(_argmax_lowest(full[r]) == _argmax_lowest(step_rows[r]) for r in range(P)) / P
    out["kvCache"] = {"maxAbsDiff": (full - step_rows).abs().max().item(), "top1Agreement": agree}
    return out


def measure_set(model, texts, tokenizer, L, P, kv_cache=True):
    samples, skipped = [], []
    for index, text in enumerate(texts):
        ids = tokenizer.encode(text)
        if len(ids) < L + P:
            skipped.append({"index": index, "tokens": len(ids), "reason": f"{len(ids)} tokens < L + P = {L + P}"})
            continue
        entry = {"index": index, "tokens": len(ids), "ids": ids[: L + P + 2]}
        entry.update(measure_sample(model, ids, L, P, tokenizer, kv_cache))
        samples.append(entry)

    def mean(values):
        values = list(values)
        return float(np.mean(values)) if values else None

    means = {
        "samples": len(samples),
        "teacherForcing": mean(s["teacherForcing"]["loss"] for s in samples),
        "teacherForcingTop1": mean(s["teacherForcing"]["top1"] for s in samples),
        "keepLastMisaligned": mean(s["keepLastMisaligned"]["loss"] for s in samples),
        "keepLastAligned": mean(s["keepLastAligned"]["loss"] for s in samples),
        "offsetSweep": {str(o): mean(s["offsetSweep"][str(o)] for s in samples if str(o) in s["offsetSweep"]) for o in OFFSETS},
        "autoregressive": mean(s["autoregressive"]["loss"] for s in samples),
        "autoregressiveSteps": [mean(s["autoregressive"]["stepLosses"][j] for s in samples) for j in range(P)] if samples else None,
        "teacherForcingSteps": [mean(s["teacherForcing"]["tokenLosses"][j] for s in samples) for j in range(P)] if samples else None,
        "kvCacheMaxAbsDiff": max((s["kvCache"]["maxAbsDiff"] for s in samples if "kvCache" in s), default=None),
        "kvCacheTop1Agreement": mean(s["kvCache"]["top1Agreement"] for s in samples if "kvCache" in s),
    }
    return {"samples": samples, "skipped": skipped, "means": means}


@torch.no_grad()
def compare(base, other, texts, tokenizer, L, P):
    N = L + P
    klds, same, dps, per_sample = [], 0, [], []
    n_samples = 0
    for index, text in enumerate(texts):
        ids = tokenizer.encode(text)
        if len(ids) < N:
            continue
        n_samples += 1
        T = torch.tensor(ids[:N])
        targets = T[L:N]
        lb = torch.log_softmax(base(T.unsqueeze(0)).logits[0][L - 1 : N - 1].double(), -1)
        lo = torch.log_softmax(other(T.unsqueeze(0)).logits[0][L - 1 : N - 1].double(), -1)
        pb = lb.exp()
        klds.extend((pb * (lb - lo)).sum(-1).tolist())
        same += sum(_argmax_lowest(lb[r]) == _argmax_lowest(lo[r]) for r in range(P))
        dps.extend((lo.exp().gather(1, targets.view(-1, 1)) - pb.gather(1, targets.view(-1, 1))).view(-1).tolist())
        b_loss = -lb.gather(1, targets.view(-1, 1)).mean().item()
        o_loss = -lo.gather(1, targets.view(-1, 1)).mean().item()
        per_sample.append({"index": index, "base": b_loss, "other": o_loss, "delta": o_loss - b_loss})
    k = np.array(klds)
    return {
        "rows": "teacher-forcing target rows L-1..N-2 of forward(T[0:N])",
        "meanKld": float(k.mean()),
        "medianKld": float(np.median(k)),
        "p99Kld": float(np.percentile(k, 99)),  # numpy's default: linear interpolation between closest ranks
        "maxKld": float(k.max()),
        "sameTop1": same / len(k),
        "rmsDeltaP": float(np.sqrt(np.mean(np.square(dps)))),
        "samples": n_samples,
        "tokens": len(k),
        "perSample": per_sample,
    }


LOG_STEP = re.compile(r"Epoch:\[(\d+)/(\d+)\]\((\d+)/(\d+)\)")


def log_points(path):
    """[(step, loss)] of a MiniMind log, step on the log's axis: (epoch - 1) * iter_per_epoch + step in epoch."""
    points = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m, loss = LOG_STEP.search(line), LOG_LOSS.search(line)
            if m and loss:
                epoch, _, step, per_epoch = map(int, m.groups())
                points.append(((epoch - 1) * per_epoch + step, float(loss.group(1))))
    return points


def log_window(points, step, window=50):
    """The training-loss reference at a checkpoint's step: the `window` log lines ending at (and including) `step`
    (fewer near the start), their mean and standard deviation (sd: n - 1 in the denominator; sdPopulation: n)."""
    losses = [(s, x) for s, x in points if s <= step][-window:]
    xs = np.array([x for _, x in losses])
    return {
        "step": step,
        "window": window,
        "lines": len(xs),
        "firstStep": losses[0][0] if losses else None,
        "lastStep": losses[-1][0] if losses else None,
        "mean": float(xs.mean()) if len(xs) else None,
        "sd": float(xs.std(ddof=1)) if len(xs) > 1 else None,
        "sdPopulation": float(xs.std()) if len(xs) else None,
    }


@torch.no_grad()
def measure_sft(model, ids, mask):
    """MiniMind2's SFT loss of one conversation: ids = its rendered tokens (unpadded), mask = its loss mask over ids
    (1 on the tokens that are targets). Row t (predicting ids[t + 1]) counts when mask[t + 1] = 1: the masked mean
    over those rows is `loss`. `maskLate`: the same with every counted row one position later (rows t + 1; a row
    without a next token is left out), `maskEarly`: one position earlier (rows t - 1)."""
    T = torch.tensor(ids, dtype=torch.long)
    logits = model(T.unsqueeze(0)).logits[0]
    ce = _ce(logits[:-1], T[1:])  # ce[t] scores row t against ids[t + 1]
    rows = [t for t in range(len(ids) - 1) if mask[t + 1]]
    late = [t + 1 for t in rows if t + 1 < len(ids) - 1]
    early = [t - 1 for t in rows if t >= 1]

    def masked(rs):
        return float(ce[rs].mean().item()) if rs else None

    return {
        "tokens": len(ids),
        "ids": list(ids),
        "rows": rows,
        "targetIds": [ids[t + 1] for t in rows],
        "tokenLosses": ce[rows].tolist(),
        "loss": masked(rows),
        "maskLate": {"rows": late, "loss": masked(late)},
        "maskEarly": {"rows": early, "loss": masked(early)},
    }


def parse_log(path, window=10):
    losses = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = LOG_LOSS.search(line)
            if m:
                losses.append(float(m.group(1)))
    tail = losses[-window:]
    return {
        "log": os.path.basename(path),
        "lines": len(losses),
        "lastLoss": losses[-1] if losses else None,
        "trailingWindow": len(tail),
        "trailingMean": float(np.mean(tail)) if tail else None,
    }


def load_texts(path):
    with open(path, encoding="utf-8") as f:
        if path.endswith(".jsonl"):
            return [json.loads(line)["text"] for line in f if line.strip()]
        return [row["text"] for row in json.load(f)]


def build_reference(demo_dir, config, checkpoints, datasets, L, P, log="train.log", tokenizer="tokenizer.json",
                    compare_pair=("early", "final"), compare_dataset=None):
    """checkpoints: {key: {"label": ..., "checkpoint": path relative to demo_dir}}; datasets: file names in demo_dir."""
    tok = ByteLevelBPETokenizer(os.path.join(demo_dir, tokenizer))
    texts = {name: load_texts(os.path.join(demo_dir, name)) for name in datasets}
    models = {key: load_model(os.path.join(demo_dir, c["checkpoint"]), config) for key, c in checkpoints.items()}
    results = {key: {name: measure_set(model, texts[name], tok, L, P) for name in datasets} for key, model in models.items()}
    base, other = compare_pair
    compare_dataset = compare_dataset or datasets[0]
    cmp = compare(models[base], models[other], texts[compare_dataset], tok, L, P)
    training = parse_log(os.path.join(demo_dir, log))
    steps = {key: c["step"] for key, c in checkpoints.items() if c.get("step") is not None}
    if steps:
        points = log_points(os.path.join(demo_dir, log))
        training["windows"] = {key: log_window(points, step) for key, step in steps.items()}
    return {
        "format": "losslens-reference/1",
        "settings": {
            "inputLength": L,
            "predictLength": P,
            "prependBos": False,
            "offsets": list(OFFSETS),
            "crossEntropy": "float64 log-softmax of the float32 model's logits",
            "argmaxTies": "lowest id",
            "p99": "numpy.percentile(kld, 99) with linear interpolation between closest ranks",
        },
        "versions": {"torch": torch.__version__, "python": sys.version.split()[0], "blas": blas_info()},
        "model": config,
        "training": training,
        "checkpoints": checkpoints,
        "results": results,
        "compare": dict({"base": base, "other": other, "dataset": compare_dataset}, **cmp),
    }


def summary_lines(ref):
    lines = [f"training log: last {ref['training']['lastLoss']:.3f}, trailing mean of {ref['training']['trailingWindow']} "
             f"= {ref['training']['trailingMean']:.4f}"]
    for key, w in ref["training"].get("windows", {}).items():
        lines.append(f"training window at {key} (step {w['step']}): {w['lines']} lines, steps {w['firstStep']}..{w['lastStep']}, "
                     f"mean {w['mean']:.4f} sd {w['sd'] if w['sd'] is None else round(w['sd'], 4)}")
    results = list(ref["results"].items())
    if "shifted" in ref:
        results.append(("shifted", ref["shifted"]["results"]))
    for key, sets in results:
        for name, res in sets.items():
            m = res["means"]
            sweep = " ".join(f"{s}:{v:.3f}" for s, v in m["offsetSweep"].items())
            lines.append(
                f"{key:10s} {name:27s} TF {m['teacherForcing']:.4f} (top1 {m['teacherForcingTop1']:.3f})  "
                f"misaligned {m['keepLastMisaligned']:.4f}  aligned {m['keepLastAligned']:.4f}  "
                f"AR {m['autoregressive']:.4f}  sweep [{sweep}]  " + (
                    f"kv maxdiff {m['kvCacheMaxAbsDiff']:.2e} top1 {m['kvCacheTop1Agreement']:.3f}  "
                    if m["kvCacheMaxAbsDiff"] is not None else "no kv cache  ") + f"n={m['samples']}"
            )
    c = ref["compare"]
    lines.append(
        f"compare {c['base']} -> {c['other']} on {c['dataset']}: meanKLD {c['meanKld']:.4f} median {c['medianKld']:.4f} "
        f"p99 {c['p99Kld']:.4f} max {c['maxKld']:.4f} sameTop1 {c['sameTop1']:.3f} rmsDeltaP {c['rmsDeltaP']:.4f} "
        f"({c['samples']} samples, {c['tokens']} tokens)"
    )
    return lines


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--demo-dir", default=os.path.join(HERE, "..", "resources", "demo"))
    p.add_argument("--out", help="default: DEMO_DIR/reference.json")
    args = p.parse_args(argv)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    with open(os.path.join(args.demo_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    ref = build_reference(
        args.demo_dir,
        manifest["model"]["config"],
        {c["id"]: {"label": c["label"], "checkpoint": c["checkpoint"], **({"step": c["step"]} if "step" in c else {})}
         for c in manifest["checkpoints"] if c.get("kind", "pretrain") == "pretrain"},
        manifest["evalSets"],
        manifest["settings"]["inputLength"],
        manifest["settings"]["predictLength"],
    )
    out = args.out or os.path.join(args.demo_dir, "reference.json")
    write_json(out, ref)
    print("\n".join(summary_lines(ref)))
    print(f"wrote {out}")


def write_json(path, obj, indent=1):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=indent, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
