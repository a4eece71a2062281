#!/usr/bin/env python3
"""Generates the benchmark source tree: FILES files, about TOTAL_MB MiB in all, log-uniform
sizes (a few bytes to a few MiB), 100 files a directory in two levels, a third of them with
short 8.3 names and the rest with long names. Deterministic (seed 42) so runs compare.

Usage: bench/gen_tree.py DIR FILES TOTAL_MB
"""
import os
import random
import sys


def main() -> None:
    root, files, total_mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(42)
    raw = [2 ** rng.uniform(6, 22) for _ in range(files)]
    scale = total_mb * 2**20 / sum(raw)
    block = os.urandom(8 << 20)
    for i, r in enumerate(raw):
        d = os.path.join(root, f"Directory {i // 100:03d}", f"Sub {i // 25 % 4}")
        os.makedirs(d, exist_ok=True)
        size = max(0, int(r * scale))
        name = f"File number {i:05d} with a Long Name.dat" if i % 3 else f"F{i:05d}.BIN"
        with open(os.path.join(d, name), "wb") as f:
            off = (i * 7919) % (len(block) // 2)
            while size > 0:
                n = min(size, len(block) - off)
                f.write(block[off:off + n])
                size -= n
                off = 0


if __name__ == "__main__":
    main()
