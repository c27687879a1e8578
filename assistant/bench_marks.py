"""Benchmark of the trademark pre-check at scale: ``python -m assistant.bench_marks --n 1000000``.

Generates ``n`` synthetic, seeded, Vietnamese-looking marks (nothing real), builds a ``MarkIndex``,
saves and reloads it, then times ``check()`` on a mix of exact / unaccented / respaced / one-typo /
phonetic / unrelated queries against the reloaded index. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Iterator

from .marks import MarkIndex, fold

_SYLLABLES = (
    "an bình phú hưng thịnh phát lộc tài đức minh quang huy hoàng long hải sơn hà nam bắc đông tây "
    "việt phở cà phê trà sen mai lan cúc trúc đào hồng ngọc kim ngân vàng bạc xanh đỏ tím hoa "
    "sao trăng mặt trời biển sông núi rừng đồng quê làng phố chợ bến cầu thuyền buồm gió mây "
    "mộc thơm ngon ngọt cay mặn chua bùi béo giòn dẻo tươi mát nóng lạnh mới cũ xưa nay "
    "tâm tín nhân nghĩa trí dũng chí thành công lợi gia khang an phúc thọ vinh hiển đạt tiến "
    "bảo châu anh thư linh trang nhung phương thảo vy uyên hạnh dung hương giang khánh duy "
    "quốc dân nhà cửa bếp mẹ cha ông bà cô chú bác dì chị em út cả ba tư năm sáu bảy tám "
    "rồng phượng hổ báo voi ngựa trâu hạc công yến sẻ cò vịt gà cá tôm cua ốc hến sò "
    "gạo nếp bánh mì bún miến chè kẹo mứt tương mắm muối tiêu ớt gừng nghệ tỏi hành "
    "đất nước lửa khói tro than củi đá cát sỏi ngói gạch vôi ve ngà sừng lông da vỏ "
    "trường xuân hạ thu mùa tết hội làng quán tiệm hiệu lầu đình chùa tháp thành lũy "
    "giàu sang quý phái tinh hoa tinh túy thuần khiết nguyên chất thượng hạng đặc biệt"
).split()
_WORDS = ("green home smart king star sun moon sky ocean fresh tasty happy lucky golden royal "
          "coffee tea milk food house land tech soft net link care beauty health viet asia "
          "prime max plus pro one best top city farm garden nature organic pure cool hot").split()
_PREFIXES = ["Công ty TNHH", "Công ty CP", "Cty TNHH TM DV", "Hộ kinh doanh"]
_SUFFIXES = ["Group", "JSC", "Co., Ltd", "Việt Nam", "Corp"]
_STATUSES = ["registered"] * 55 + ["pending"] * 25 + ["expired"] * 8 + ["refused"] * 6 + \
    ["withdrawn"] * 3 + ["terminated"] * 2 + ["invalidated"]
_POPULAR = [30, 43, 35, 3, 25, 29, 32, 5, 9, 42, 41, 44, 16, 21, 31, 33, 39, 36, 11, 20]


def _mark(rng: random.Random) -> str:
    r = rng.random()
    n = rng.choices([1, 2, 3, 4], weights=[8, 45, 35, 12])[0]
    words = [rng.choice(_SYLLABLES) for _ in range(n)]
    if r < 0.15:
        words.insert(rng.randrange(len(words) + 1), rng.choice(_WORDS))
    text = " ".join(words)
    style = rng.random()
    if style < 0.55:
        text = text.title()
    elif style < 0.75:
        text = text.upper()
    elif style < 0.85:
        text = "".join(w.capitalize() for w in words)
    elif style < 0.92:
        text = fold(text).upper()
    if rng.random() < 0.04:
        text = f"{rng.choice(_PREFIXES)} {text}"
    elif rng.random() < 0.04:
        text = f"{text} {rng.choice(_SUFFIXES)}"
    return text


def _classes(rng: random.Random) -> list[int]:
    k = rng.choices([1, 2, 3], weights=[60, 30, 10])[0]
    out = set()
    while len(out) < k:
        out.add(rng.choice(_POPULAR) if rng.random() < 0.7 else rng.randint(1, 45))
    return sorted(out)


def synthetic_records(n: int, seed: int = 7) -> Iterator[dict]:
    """``n`` synthetic trademark records (schema subset), deterministic for a seed."""
    rng = random.Random(seed)
    for i in range(n):
        year = 2000 + i // 100_000
        status = rng.choice(_STATUSES)
        yield {
            "id": f"4-{year}-{i % 100_000:05d}",
            "ip_type": "trademark",
            "mark": _mark(rng),
            "nice_classes": _classes(rng),
            "owner": f"Công ty TNHH {rng.choice(_SYLLABLES).title()} {rng.choice(_SYLLABLES).title()}",
            "status": status,
            "sample": True,
        }


def _typo(rng: random.Random, s: str) -> str:
    s = fold(s).replace(" ", "")
    if len(s) < 4:
        return s + "x"
    i = rng.randrange(1, len(s) - 1)
    op = rng.randrange(3)
    if op == 0:
        return s[:i] + rng.choice("aeioubcdghklmnpqrstvxy") + s[i + 1:]
    if op == 1:
        return s[:i] + s[i + 1:]
    return s[:i - 1] + s[i] + s[i - 1] + s[i + 1:]


_PHONETIC = [("c", "k"), ("ph", "f"), ("d", "gi"), ("gi", "d"), ("s", "x"), ("x", "s"), ("tr", "ch"),
             ("ch", "tr"), ("y", "i"), ("qu", "kw"), ("r", "z")]


def _phonetic_variant(rng: random.Random, s: str) -> str:
    low = fold(s)
    options = [(a, b) for a, b in _PHONETIC if a in low]
    if not options:
        return low + " x"
    a, b = rng.choice(options)
    return low.replace(a, b)


def _queries(records: list[dict], queries: int, rng: random.Random) -> list[tuple[str, str, list[int] | None, str]]:
    kinds = ["exact", "unaccented", "respaced", "typo", "phonetic", "unrelated"]
    out = []
    for i in range(queries):
        kind = kinds[i % len(kinds)]
        rec = rng.choice(records)
        mark = rec["mark"]
        if kind == "exact":
            q = mark
        elif kind == "unaccented":
            q = fold(mark)
        elif kind == "respaced":
            q = fold(mark).replace(" ", "").upper()
        elif kind == "typo":
            q = _typo(rng, mark)
        elif kind == "phonetic":
            q = _phonetic_variant(rng, mark)
        else:
            q = "".join(rng.choice("bdfjkqwxz") + rng.choice("aeiouy") for _ in range(rng.randint(3, 5)))
        classes = rec["nice_classes"] if rng.random() < 0.5 else None
        out.append((kind, q, classes, rec["id"]))
    return out


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(n: int = 1_000_000, queries: int = 200, seed: int = 7) -> dict:
    rng = random.Random(seed + 1)
    sample_every = max(1, n // 5000)
    sampled: list[dict] = []

    def records() -> Iterator[dict]:
        for i, rec in enumerate(synthetic_records(n, seed)):
            if i % sample_every == 0:
                sampled.append(rec)
            yield rec

    t0 = time.perf_counter()
    index = MarkIndex.build(records())
    build_s = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "marks.npz"
        t0 = time.perf_counter()
        index.save(path)
        save_s = time.perf_counter() - t0
        index_mb = path.stat().st_size / 2**20
        del index
        t0 = time.perf_counter()
        index = MarkIndex.load(path)
        load_s = time.perf_counter() - t0

        qs = _queries(sampled, queries, rng)
        index.check("Phở Việt")  # warm-up: page in the index, compile regexes
        times: list[float] = []
        found: dict[str, list[int]] = {}
        for kind, q, classes, rid in qs:
            t0 = time.perf_counter()
            res = index.check(q, classes)
            times.append((time.perf_counter() - t0) * 1000)
            if kind != "unrelated":
                hit = any(c.record_id == rid for c in res) or any(
                    c.similarity >= 0.9 and fold(c.mark).replace(" ", "") == fold(index.get(rid)["mark"]).replace(" ", "")
                    for c in res)
                found.setdefault(kind, []).append(int(hit))
            else:
                found.setdefault("unrelated_high", []).append(int(any(c.risk == "high" for c in res)))
        times.sort()
        result = {
            "n": len(index),
            "build_s": round(build_s, 2),
            "save_s": round(save_s, 2),
            "load_s": round(load_s, 3),
            "index_mb": round(index_mb, 1),
            "rss_mb": round(_rss_mb(), 1),
            "check_p50_ms": round(statistics.median(times), 2),
            "check_p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2),
            "check_max_ms": round(times[-1], 2),
            "queries": len(times),
            "found_rate": {k: round(sum(v) / len(v), 3) for k, v in found.items()},
        }
        del index
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    print(json.dumps(run(args.n, args.queries, args.seed), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
