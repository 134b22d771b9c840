#!/usr/bin/env python3
"""Write a MiniMind .pth state_dict as a transformers-format folder, the way MiniMind publishes its models.

    /usr/bin/python3 tools/make_hf_folder.py --checkpoint pretrain_96.pth --manifest manifest.json \
        --out DIR [--format safetensors|bin] [--tokenizer tokenizer.json]

DIR gets config.json (MiniMind2's MiniMindConfig names, model_type "minimind", from the LossLens export
manifest.json of the same checkpoint), model.safetensors (the tied lm_head.weight stored once, as
transformers saves tied weights) or pytorch_model.bin (the full state_dict), and tokenizer.json.
Used to check that tools/export_onnx.py reads such folders (test/engine/export-hf-folder.test.ts).
"""
import argparse
import json
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_io  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--manifest", required=True, help="a LossLens export manifest.json of this checkpoint (its config)")
    p.add_argument("--out", required=True)
    p.add_argument("--format", choices=("safetensors", "bin"), default="safetensors")
    p.add_argument("--tokenizer")
    args = p.parse_args(argv)
    with open(args.manifest, encoding="utf-8") as f:
        cfg = json.load(f)["config"]
    state = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
    os.makedirs(args.out, exist_ok=True)
    config = dict(cfg, model_type="minimind", architectures=["MiniMindForCausalLM"], tie_word_embeddings=True,
                  torch_dtype=str(next(iter(state.values())).dtype).replace("torch.", ""), use_moe=False)
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    if args.format == "safetensors":
        tied = {k: v for k, v in state.items() if k != "lm_head.weight"}
        safetensors_io.save_file(tied, os.path.join(args.out, "model.safetensors"), {"format": "pt"})
    else:
        torch.save(state, os.path.join(args.out, "pytorch_model.bin"))
    if args.tokenizer:
        shutil.copyfile(args.tokenizer, os.path.join(args.out, "tokenizer.json"))
    print(f"wrote {args.out} ({args.format}, {len(state)} tensors)")


if __name__ == "__main__":
    main()
