#!/usr/bin/env python3
"""PyTorch references for LossLens's SFT measures (docs/measurements.md, "SFT loss") on the demo's SFT checkpoint.

The checkpoint's .pth is not shipped (resources/demo/checkpoints/sft/manifest.json keeps its SHA-256), so its
state dict is rebuilt from the ONNX export's initializers: tools/export_onnx.py names them by their state_dict keys,
stores Linear weights transposed ([in, out]) and the tied embedding/lm_head once. The export was made from an fp16
state dict, so every float32 initializer must be an exact fp16 value (checked), and the rebuilt model must reproduce
the manifest's probe logits (checked) before anything is measured.

Per conversation of eval_sft.json (and a few hand-made ones for the template alone):
- the chat-templated text, rendered by Python's jinja2 the way transformers' apply_chat_template does
  (sandboxed environment, trim_blocks, lstrip_blocks, the special tokens as variables, no generation prompt),
  with roles by turn parity (MiniMind2) and as written (2026);
- ids, MiniMind2's loss mask (_generate_loss_mask at 29454c3), the SFT loss (masked mean over rows t whose target
  ids[t+1] is masked), the mask one position late (rows t+1, a row with no next token left out: reference.json's
  maskLate), the offset sweep (rows p-1+s against the masked targets p; absent when a row is missing);
- sftAutoregressive: greedy decoding with MiniMind's KV cache from the prompt (ids up to the first reply token),
  true-token CE per step over the first assistant turn's counted tokens, at most `predict` steps.

Usage: /usr/bin/python3 tools/reference_sft.py [--predict 32] [--out resources/demo/reference-sft.json]
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bpe_tokenizer import ByteLevelBPETokenizer  # noqa: E402
import reference_measures as rm  # noqa: E402

DEMO = os.path.join(HERE, "..", "resources", "demo")
SHIFTS = [-2, -1, 0, 1, 2]

# Conversations that exercise the template beyond the demo's user/assistant pairs: a system turn, several turns,
# and roles written out of parity order (parity and as-written renderings differ).
HAND_MADE = [
    [{"role": "system", "content": "You answer in one line."},
     {"role": "user", "content": "What does os.getcwd do?"},
     {"role": "assistant", "content": "Return the current working directory."}],
    [{"role": "user", "content": "What does math.floor do?"},
     {"role": "assistant", "content": "Return the floor of x."},
     {"role": "user", "content": "And math.ceil?"},
     {"role": "assistant", "content": "Return the ceiling of x."}],
    [{"role": "user", "content": "First question."},
     {"role": "user", "content": "Second question, same speaker."},
     {"role": "assistant", "content": "One answer to both."}],
    [{"role": "assistant", "content": "I speak first here."},
     {"role": "user", "content": "Then the user."},
     {"role": "assistant", "content": "Then me again, with 中文 and \"quotes\"."}],
]
# For MiniMind's 2026 template (test/fixtures/minimind3): think blocks and tool turns, which it renders.
HAND_MADE_2026 = [
    [{"role": "user", "content": "2+2?"},
     {"role": "assistant", "content": "<think>\nsmall sum\n</think>\n\nIt is 4."}],
    [{"role": "system", "content": "Use tools."},
     {"role": "user", "content": "Weather in Paris?"},
     {"role": "tool", "content": "{\"temp\": 21}"},
     {"role": "tool", "content": "{\"sky\": \"clear\"}"},
     {"role": "assistant", "content": "21 degrees and clear."}],
]
FIXTURE_2026 = os.path.join(HERE, "..", "test", "fixtures", "minimind3")


def state_from_onnx(path):
    """The fp16 state dict the export was made from, rebuilt from the ONNX initializers."""
    model = onnx.load(path)
    state = {}
    for init in model.graph.initializer:
        arr = numpy_helper.to_array(init)
        if not init.name.startswith("model.") or not init.name.endswith(".weight"):
            continue
        if init.name.endswith("_proj.weight"):
            arr = arr.T  # MatMul weights are stored [in, out]; nn.Linear keeps [out, in]
        half = arr.astype(np.float16)
        if not np.array_equal(half.astype(np.float32), arr):
            raise SystemExit(f"{path}: initializer {init.name} is not an exact fp16 value")
        state[init.name] = torch.from_numpy(np.ascontiguousarray(half))
    state["lm_head.weight"] = state["model.embed_tokens.weight"]
    return state


def load_model(onnx_path, manifest):
    mod = rm.load_compat_module()
    model = mod.MiniMindForCausalLM(mod.MiniMindConfig(**manifest["config"]))
    model.load_state_dict(state_from_onnx(onnx_path), strict=True)
    model = model.float().eval()
    probe = manifest["verification"]["probe"]
    with torch.no_grad():
        logits = model(torch.tensor([probe["inputIds"]])).logits[0]
    first8 = logits[-1, :8].tolist()
    diff = max(abs(a - b) for a, b in zip(first8, probe["lastRowLogitsFirst8"]))
    argmaxes = [rm._argmax_lowest(r) for r in logits]
    if diff > 1e-5 or argmaxes != probe["argmaxPerRow"]:
        raise SystemExit(f"rebuilt model does not reproduce the manifest's probe (max diff {diff}, argmax {argmaxes})")
    return model, diff


def render(template, special, conversation, roles):
    """transformers' apply_chat_template(messages, tokenize=False, add_generation_prompt=False) in MiniMind2's call;
    roles 'parity' re-assigns them by turn (even = user, odd = assistant) as MiniMind2's SFTDataset does."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    if roles == "parity":
        messages = [{"role": "user" if i % 2 == 0 else "assistant", "content": t["content"]}
                    for i, t in enumerate(conversation)]
    else:
        messages = [{"role": t["role"], "content": t["content"]} for t in conversation]
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    return env.from_string(template).render(messages=messages, add_generation_prompt=False, **special)


def loss_mask(ids, tok, max_length):
    """MiniMind2's _generate_loss_mask (29454c3), on ids already cut to max_length and padded."""
    bos_id, eos_id = tok.encode("<|im_start|>assistant"), tok.encode("<|im_end|>")
    mask = [0] * len(ids)
    i = 0
    while i < len(ids):
        if ids[i:i + len(bos_id)] == bos_id:
            start = i + len(bos_id)
            end = start
            while end < len(ids):
                if ids[end:end + len(eos_id)] == eos_id:
                    break
                end += 1
            for j in range(start + 1, min(end + len(eos_id) + 1, max_length)):
                mask[j] = 1
            i = end + len(eos_id) if end < len(ids) else len(ids)
        else:
            i += 1
    return mask


@torch.no_grad()
def measure(model, tok, ids, max_length, predict):
    ids = ids[:max_length]
    mask = loss_mask(ids + [0] * (max_length - len(ids)), tok, max_length)
    assert not any(mask[len(ids):]), "no demo conversation is cut inside a reply"
    T = torch.tensor(ids, dtype=torch.long)
    logits = model(T.unsqueeze(0)).logits[0]
    ce = rm._ce(logits[:-1], T[1:])  # ce[t]: row t against ids[t + 1]
    positions = [p for p in range(1, len(ids)) if mask[p]]
    rows = [p - 1 for p in positions]
    late = [t + 1 for t in rows if t + 1 < len(ids) - 1]
    sweep = {}
    for s in SHIFTS:
        rs = [p - 1 + s for p in positions]
        if rs and all(0 <= r < len(ids) for r in rs):
            sweep[str(s)] = rm._ce(logits[rs], T[positions]).mean().item()
    token_losses = ce[rows].tolist()
    sft = {
        "loss": float(np.mean(token_losses)),
        "tokens": len(positions),
        "shiftedMaskLoss": ce[late].mean().item(),
        "tokenLosses": token_losses,
        "maskedPositions": positions,
        "offsetSweep": sweep,
    }
    # First assistant turn: the first run of consecutive masked positions; its prompt is everything before it.
    first = positions[0]
    run_end = first
    while run_end + 1 < len(ids) and mask[run_end + 1]:
        run_end += 1
    steps = min(predict, run_end - first + 1)
    targets = T[first:first + steps]
    res = model(T[:first].unsqueeze(0), use_cache=True)
    past, row = res.past_key_values, res.logits[0, -1]
    step_rows, generated = [], []
    for j in range(steps):
        step_rows.append(row)
        nxt = rm._argmax_lowest(row)
        generated.append(nxt)
        if j == steps - 1:
            break
        res = model(torch.tensor([[nxt]]), past_key_values=past, use_cache=True)
        past, row = res.past_key_values, res.logits[0, -1]
    sl = rm._ce(torch.stack(step_rows), targets)
    ar = {"loss": sl.mean().item(), "stepLosses": sl.tolist(), "generatedIds": generated,
          "generatedText": tok.decode(generated), "promptLength": first}
    return {"ids": ids, "tokenTexts": [tok.decode([i]) for i in ids], "mask": mask[:len(ids)], "sft": sft,
            "sftAutoregressive": ar}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--demo", default=DEMO)
    ap.add_argument("--predict", type=int, default=32, help="cap on the generated reply's steps (predictLength)")
    ap.add_argument("--max-length", type=int, default=512, help="max_seq_len the conversations are cut to")
    ap.add_argument("--out", default=os.path.join(DEMO, "reference-sft.json"))
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    torch.set_num_threads(2)
    demo = args.demo
    with open(os.path.join(demo, "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    template = config["chat_template"]
    special = {k: config[k] for k in ("bos_token", "eos_token", "unk_token", "pad_token") if isinstance(config.get(k), str)}
    tok = ByteLevelBPETokenizer(os.path.join(demo, "tokenizer.json"))
    with open(os.path.join(demo, "checkpoints", "sft", "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    model, probe_diff = load_model(os.path.join(demo, "checkpoints", "sft", "model.onnx"), manifest)
    with open(os.path.join(demo, "eval_sft.json"), encoding="utf-8") as f:
        convs = [row["conversations"] for row in json.load(f)]

    samples = []
    for index, conv in enumerate(convs):
        text = render(template, special, conv, "parity")
        m = measure(model, tok, tok.encode(text), args.max_length, args.predict)
        samples.append({"index": index, "text": text, **m})
    renderings = [{"conversation": c, "parity": render(template, special, c, "parity"),
                   "asWritten": render(template, special, c, "asWritten")} for c in convs + HAND_MADE]
    # MiniMind's 2026 template and tokenizer: roles as written; rendering, ids and the loss mask.
    with open(os.path.join(FIXTURE_2026, "tokenizer_config.json"), encoding="utf-8") as f:
        config26 = json.load(f)
    special26 = {k: config26[k] for k in ("bos_token", "eos_token", "unk_token", "pad_token")
                 if isinstance(config26.get(k), str)}
    tok26 = ByteLevelBPETokenizer(os.path.join(FIXTURE_2026, "tokenizer.json"))
    renderings2026 = []
    for c in convs[:3] + HAND_MADE + HAND_MADE_2026:
        text = render(config26["chat_template"], special26, c, "asWritten")
        ids = tok26.encode(text)
        renderings2026.append({"conversation": c, "asWritten": text, "ids": ids,
                               "mask": loss_mask(ids, tok26, max(args.max_length, len(ids)))})

    def mean(xs):
        return float(np.mean(xs))

    means = {
        "sft": mean([s["sft"]["loss"] for s in samples]),
        "sftTokenWeighted": sum(sum(s["sft"]["tokenLosses"]) for s in samples) / sum(s["sft"]["tokens"] for s in samples),
        "sftShiftedMask": mean([s["sft"]["shiftedMaskLoss"] for s in samples]),
        "sftAutoregressive": mean([s["sftAutoregressive"]["loss"] for s in samples]),
    }
    out = {
        "format": "losslens-reference-sft/1",
        "script": "tools/reference_sft.py",
        "model": "checkpoints/sft/model.onnx",
        "weights": "state dict rebuilt from the ONNX initializers (exact fp16 values; Linear weights transposed back; "
                   "lm_head tied to the embedding); reproduces the manifest's probe logits to "
                   f"{probe_diff:.2e} with the same argmax on every row",
        "dataset": "eval_sft.json",
        "settings": {"maxSeqLen": args.max_length, "predictLength": args.predict, "sftRoles": "parity"},
        "template": "tokenizer_config.json chat_template rendered by jinja2 ImmutableSandboxedEnvironment(trim_blocks, "
                    "lstrip_blocks) with messages, add_generation_prompt=False and the special tokens, as "
                    "transformers' apply_chat_template does",
        "versions": {"torch": torch.__version__, "python": sys.version.split()[0], "blas": rm.blas_info()},
        "means": means,
        "samples": samples,
        "renderings": renderings,
        "renderings2026": renderings2026,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {args.out}: {len(samples)} conversations, means {json.dumps(means)}")


if __name__ == "__main__":
    main()
