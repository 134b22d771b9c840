/**
 * One spelling for the names a MiniMind weight goes by: current checkpoints
 * (`model.layers.0.self_attn.q_proj.weight`), the April-2025 naming (`layers.0.attention.wq.weight`),
 * wrappers added by DDP or torch.compile, and exporters that wrap the model once more.
 */

// Wrappers that prefix every parameter: DDP, torch.compile, FSDP.
const WRAPPER_PREFIXES = ['module.', '_orig_mod.', '_fsdp_wrapped_module.']

// April-2025 MiniMind names -> current names (docs/minimind.md). Order matters: specific before general.
const LEGACY_RULES: Array<[RegExp, string]> = [
  [/^tok_embeddings\./, 'model.embed_tokens.'],
  [/^layers\.(\d+)\.attention\.w([qkvo])\./, 'model.layers.$1.self_attn.$2_proj.'],
  [/^layers\.(\d+)\.attention_norm\./, 'model.layers.$1.input_layernorm.'],
  [/^layers\.(\d+)\.ffn_norm\./, 'model.layers.$1.post_attention_layernorm.'],
  // FeedForward computed w2(silu(w1(x)) * w3(x)): w1 is the gate, w3 up, w2 down (experts alike).
  [
    /^layers\.(\d+)\.feed_forward\.((?:experts\.\d+\.|shared_experts\.(?:\d+\.)?)?)w1\./,
    'model.layers.$1.mlp.$2gate_proj.',
  ],
  [
    /^layers\.(\d+)\.feed_forward\.((?:experts\.\d+\.|shared_experts\.(?:\d+\.)?)?)w2\./,
    'model.layers.$1.mlp.$2down_proj.',
  ],
  [
    /^layers\.(\d+)\.feed_forward\.((?:experts\.\d+\.|shared_experts\.(?:\d+\.)?)?)w3\./,
    'model.layers.$1.mlp.$2up_proj.',
  ],
  [/^layers\.(\d+)\.feed_forward\./, 'model.layers.$1.mlp.'],
  [/^norm\./, 'model.norm.'],
  [/^output\./, 'lm_head.'],
]

// A bare decoder's names (saved from the inner model, or exported from it) lack the `model.` prefix.
const BARE_DECODER = /^(embed_tokens|layers\.\d+|norm)\./

/** The current-MiniMind spelling of a tensor name; names it does not know are returned unwrapped. */
export function canonicalTensorName(name: string): string {
  let n = name
  for (let stripped = true; stripped;) {
    stripped = false
    for (const prefix of WRAPPER_PREFIXES) {
      if (n.startsWith(prefix)) {
        n = n.slice(prefix.length)
        stripped = true
      }
    }
  }
  for (const [pattern, replacement] of LEGACY_RULES) {
    if (pattern.test(n)) return n.replace(pattern, replacement)
  }
  return BARE_DECODER.test(n) ? `model.${n}` : n
}

/**
 * The canonical names an exported initializer may stand for: its own, then with leading path
 * segments dropped one by one (an export wrapper adds `model.` or `decoder.` in front).
 */
export function candidateNames(initializerName: string): string[] {
  const parts = initializerName.split('.')
  const out: string[] = []
  for (let i = 0; i < Math.max(1, parts.length - 1); i++)
    out.push(canonicalTensorName(parts.slice(i).join('.')))
  return [...new Set(out)]
}

/** MiniMind ties these two: when a checkpoint lists both with equal values, they are one tensor. */
export const TIED_PAIR = ['model.embed_tokens.weight', 'lm_head.weight'] as const
