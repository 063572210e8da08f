#!/usr/bin/env python3
"""Reference values for src/analysis/mann_whitney_tests.rs.

Standard library only (scipy is not installed on the build host). Written
from the definitions, independently of the Rust code: U counts the pairs
the canary wins (ties one half) instead of summing ranks; the tie term
counts equal values with a Counter; the normal tail is math.erfc. It
follows scipy.stats.mannwhitneyu(x, y, method="asymptotic",
use_continuity=True, alternative="two-sided"), whose documented example
(males [19, 22, 16, 29, 24] vs females [20, 11, 17, 12]) gives
p = 0.11134688653314041; the first row reproduces it.

Run: python3 scripts/mann_whitney_reference.py
"""
import math
import statistics
from collections import Counter

CASES = [
    ("scipy docs example", [19, 22, 16, 29, 24], [20, 11, 17, 12]),
    ("canary higher, one tie", [1.2, 1.5, 1.9, 2.4, 2.2, 1.8, 2.9, 2.0],
     [0.9, 1.1, 1.0, 1.3, 0.8, 1.2, 1.4, 0.7]),
    ("heavy ties", [1, 1, 2, 2, 2, 3, 3, 4], [1, 2, 2, 3, 3, 3, 4, 4, 5]),
    ("identical samples", [5, 5, 5, 5], [5, 5, 5]),
    ("canary lower", [10, 11, 9, 12, 10, 8, 11, 9, 10, 10],
     [14, 15, 13, 16, 14, 12, 15, 13, 17, 14]),
    ("overlapping", [0.11, 0.13, 0.12, 0.10, 0.14, 0.12, 0.11, 0.13],
     [0.12, 0.11, 0.13, 0.12, 0.10, 0.12, 0.14, 0.11]),
]


def mwu(x, y):
    n1, n2 = len(x), len(y)
    u = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in x for b in y)
    n = n1 + n2
    ties = sum(t ** 3 - t for t in Counter(x + y).values())
    mu = n1 * n2 / 2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if var == 0:
        return u, 0.0, 1.0
    # scipy: U = max(U1, U2), z = (U - mu - 0.5) / sigma, p = 2 * sf(z)
    big = max(u, n1 * n2 - u)
    z = (big - mu - 0.5) / math.sqrt(var)
    p = min(1.0, math.erfc(z / math.sqrt(2)))
    return u, math.copysign(z, u - mu), p


for name, x, y in CASES:
    u, z, p = mwu(x, y)
    rb = 2 * u / (len(x) * len(y)) - 1
    hl = statistics.median([a - b for a in x for b in y])
    print(f"{name}: u={u!r} z={z!r} p={p!r} rank_biserial={rb!r} hodges_lehmann={hl!r}")
for v in [0.0, 0.3, 0.5, 1.0, 2.0, 3.9, 4.0, 6.0, 10.0]:
    print(f"erfc({v}) = {math.erfc(v)!r}")
