"""Config of the older (early April 2025) MiniMind layout, our own code written from docs/minimind.md.

Field names as that era's `model/LMConfig.py` used them: dim, n_layers, n_heads, n_kv_heads,
vocab_size, hidden_dim, multiple_of, norm_eps, max_seq_len, rope_theta.
"""


class LMConfig:
    model_type = "minimind"

    def __init__(
        self,
        dim: int = 512,
        n_layers: int = 8,
        n_heads: int = 8,
        n_kv_heads: int = 2,
        vocab_size: int = 6400,
        hidden_dim: int = None,
        multiple_of: int = 64,
        norm_eps: float = 1e-5,
        max_seq_len: int = 8192,
        rope_theta: float = 1e6,
        dropout: float = 0.0,
        flash_attn: bool = True,
        use_moe: bool = False,
        **kwargs,
    ):
        if use_moe:
            raise NotImplementedError("minimind_legacy does not implement the MoE variant")
        self.dim = dim
        self.n_layers = n_layers
        self.n_heads = n_heads
        self.n_kv_heads = n_kv_heads
        self.vocab_size = vocab_size
        self.hidden_dim = hidden_dim
        self.multiple_of = multiple_of
        self.norm_eps = norm_eps
        self.max_seq_len = max_seq_len
        self.rope_theta = rope_theta
        self.dropout = dropout
        self.flash_attn = flash_attn
        self.use_moe = use_moe
        for key, value in kwargs.items():
            setattr(self, key, value)
