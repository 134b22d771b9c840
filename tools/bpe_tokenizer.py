"""Byte-level BPE encoding of a Hugging Face `tokenizer.json` in plain Python (no `tokenizers` package).

Covers what MiniMind's tokenizers use: a ByteLevel pre-tokenizer (add_prefix_space false, GPT-2
regex), a BPE model with merges, a ByteLevel decoder, added special tokens matched verbatim, no
normalizer and no post-processor (so nothing, not even BOS, is added by encode()).
The GPT-2 pattern needs \\p{L} / \\p{N}, which Python's `re` lacks, so the split is a small scanner
over unicodedata categories that reproduces the regex's alternation and backtracking.
"""
import json
import unicodedata
from functools import lru_cache
from pathlib import Path

# Unicode White_Space (what \s matches in the tokenizers library's regex engine).
_WHITESPACE = set("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {chr(c) for c in range(0x2000, 0x200B)}


def bytes_to_unicode():
    """GPT-2's reversible map from the 256 byte values to printable unicode characters."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


@lru_cache(maxsize=None)
def _kind(ch):
    if ch in _WHITESPACE:
        return "s"
    cat = unicodedata.category(ch)
    if cat[0] == "L":
        return "L"
    if cat[0] == "N":
        return "N"
    return "o"


def pretokenize(text):
    """Split like `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+`."""
    out = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            if text[i + 1 : i + 3] in ("re", "ve", "ll"):
                out.append(text[i : i + 3])
                i += 3
                continue
            if i + 1 < n and text[i + 1] in "stmd":
                out.append(text[i : i + 2])
                i += 2
                continue
        k = _kind(ch)
        start = i
        if ch == " " and i + 1 < n and _kind(text[i + 1]) != "s":
            # ' ?X+' with the optional space taken
            i += 1
            k = _kind(text[i])
        if k != "s":
            while i < n and _kind(text[i]) == k:
                i += 1
            out.append(text[start:i])
            continue
        # A whitespace run: \s+(?!\S) leaves the last space to the next token when a non-space follows.
        j = i
        while j < n and _kind(text[j]) == "s":
            j += 1
        if j < n and j - i > 1:
            j -= 1
        elif j < n and j - i == 1:
            pass  # \s+(?!\S) fails on one char before \S; \s+ takes it
        out.append(text[i:j])
        i = j
    return out


class ByteLevelBPETokenizer:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        model = spec["model"]
        if model.get("type") != "BPE":
            raise ValueError(f"{path}: model type {model.get('type')!r}, expected BPE")
        pre = spec.get("pre_tokenizer") or {}
        if pre.get("type") != "ByteLevel" or pre.get("add_prefix_space") or spec.get("normalizer"):
            raise ValueError(f"{path}: only a plain ByteLevel pre-tokenizer without normalizer is supported")
        self.vocab = model["vocab"]
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model["merges"]]
        self.ranks = {pair: r for r, pair in enumerate(merges)}
        self.added = {t["content"]: t["id"] for t in spec.get("added_tokens", [])}
        self._added_ids = set(self.added.values())
        for content, i in self.added.items():
            self.id_to_token[i] = content
        self.byte_encoder = bytes_to_unicode()
        self.byte_decoder = {c: b for b, c in self.byte_encoder.items()}
        self._cache = {}

    @property
    def vocab_size(self):
        return len(self.id_to_token)

    def _bpe(self, word):
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        symbols = list(word)
        while len(symbols) > 1:
            best, best_rank = None, None
            for a, b in zip(symbols, symbols[1:]):
                r = self.ranks.get((a, b))
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = (a, b), r
            if best is None:
                break
            merged, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == best[0] and symbols[i + 1] == best[1]:
                    merged.append(best[0] + best[1])
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        ids = [self.vocab[s] for s in symbols]
        self._cache[word] = ids
        return ids

    def _split_added(self, text):
        if not self.added:
            return [(text, False)]
        parts, i, start = [], 0, 0
        specials = sorted(self.added, key=len, reverse=True)
        while i < len(text):
            hit = next((s for s in specials if text.startswith(s, i)), None)
            if hit:
                if start < i:
                    parts.append((text[start:i], False))
                parts.append((hit, True))
                i += len(hit)
                start = i
            else:
                i += 1
        if start < len(text):
            parts.append((text[start:], False))
        return parts

    def encode(self, text):
        ids = []
        for part, special in self._split_added(text):
            if special:
                ids.append(self.added[part])
                continue
            for piece in pretokenize(part):
                ids.extend(self._bpe("".join(self.byte_encoder[b] for b in piece.encode("utf-8"))))
        return ids

    def decode(self, ids):
        text, buf = [], bytearray()
        for i in ids:
            tok = self.id_to_token[int(i)]
            if int(i) in self._added_ids:
                text.append(buf.decode("utf-8", errors="replace"))
                buf = bytearray()
                text.append(tok)
            else:
                buf.extend(self.byte_decoder[c] for c in tok)
        text.append(buf.decode("utf-8", errors="replace"))
        return "".join(text)


if __name__ == "__main__":
    import sys

    demo = Path(__file__).resolve().parent.parent / "resources" / "demo" / "tokenizer.json"
    tok = ByteLevelBPETokenizer(sys.argv[1] if len(sys.argv) > 1 else str(demo))
    sample = "Hello 世界, this is a test"
    print(sample, "->", tok.encode(sample))
