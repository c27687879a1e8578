"""Ingest at register scale: `python -m assistant.bench --records N` (or `python -m assistant.bench_ingest N`).

Generates N trademark records (mark, Nice classes, goods, owner — the bench_marks generator plus goods text),
writes them as one JSONL file of a temporary corpus, and ingests it into a fresh temporary store end to end:
load, chunk, embed, catalog, Chroma, BM25, mark index, stamp. Then an unchanged re-run and a one-record edit.
Prints records/s and the process's peak RSS. A tqdm bar shows progress on a terminal.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from .settings import Settings

# A few goods lines per popular class, so a record's embedding text reads like a real register entry.
_GOODS = {
    3: "mỹ phẩm, xà phòng, dầu gội đầu", 5: "thực phẩm chức năng, dược phẩm", 9: "phần mềm máy tính, điện thoại",
    11: "đèn chiếu sáng, máy lọc nước", 16: "giấy, văn phòng phẩm, bao bì", 20: "đồ nội thất bằng gỗ",
    21: "đồ gốm sứ, dụng cụ nhà bếp", 25: "quần áo, giày dép, mũ", 29: "thịt, cá, thực phẩm chế biến",
    30: "cà phê, chè (trà), bánh kẹo, nước mắm", 31: "nông sản tươi, trái cây, hạt giống", 32: "nước giải khát, bia",
    33: "rượu vang, rượu mạnh", 35: "quảng cáo, mua bán hàng hóa trực tuyến", 36: "dịch vụ tài chính, bảo hiểm",
    39: "vận tải, giao nhận hàng hóa", 41: "giáo dục, đào tạo, tổ chức sự kiện", 42: "phát triển phần mềm",
    43: "nhà hàng, quán cà phê, khách sạn", 44: "dịch vụ chăm sóc sắc đẹp, phòng khám",
}


def bench_records(n: int) -> list[dict]:
    from .bench_marks import synthetic_records

    rng = random.Random(11)
    out = []
    for rec in synthetic_records(n):
        rec["goods_services"] = "; ".join(f"Nhóm {c}: {_GOODS.get(c, 'hàng hóa, dịch vụ khác')}"
                                          for c in rec["nice_classes"])
        rec["province"] = rng.choice(["Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng", "Cần Thơ", "Lâm Đồng", "Nghệ An"])
        rec["source"] = "Dữ liệu mẫu sinh cho đo hiệu năng (không phải dữ liệu thật)"
        out.append(rec)
    return out


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_split() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the encoder processes, the encoder export): on a
    machine shared with other work, wall time says how busy the machine was as much as how fast ingest is."""
    own, kids = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def run(n: int, progress: bool | None = None) -> dict:
    from .ingest import ingest

    progress = sys.stderr.isatty() if progress is None else progress
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        path = corpus / "records" / "trademarks.bench.jsonl"
        path.parent.mkdir(parents=True)
        records = bench_records(n)
        with open(path, "w", encoding="utf-8") as f:
            for rec in records:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        del records
        settings = Settings(store_dir=Path(tmp) / "store", corpus_dir=corpus)
        rss_before = _rss_mb()
        load_before = os.getloadavg()[0]
        t, before = time.perf_counter(), _cpu_split()
        report = ingest(settings, progress=progress)  # includes loading the model, as a first run does
        full = time.perf_counter() - t
        split = [round(b - a, 1) for a, b in zip(before, _cpu_split())]
        cpu = sum(split)
        rss_peak = _rss_mb()
        load_after = os.getloadavg()[0]
        t = time.perf_counter()
        ingest(settings)
        unchanged = time.perf_counter() - t
        lines = path.read_text(encoding="utf-8").splitlines()
        first = json.loads(lines[0])
        first["mark"] += " Mới"
        lines[0] = json.dumps(first, ensure_ascii=False)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        t = time.perf_counter()
        edit = ingest(settings)
        one_edit = time.perf_counter() - t
        store_mb = sum(p.stat().st_size for p in settings.store_dir.rglob("*") if p.is_file()) / 2**20
    return {"records": n, "chunks": report.chunks, "embedded": report.embedded,
            "ingest_s": round(full, 1), "records_per_s": round(n / full, 1), "ingest_cpu_s": round(cpu, 1),
            # main process (load, catalog, BM25, marks, Chroma) and the encoder processes
            "ingest_cpu_s_main_encoders": split,
            "load_average_1min": [round(load_before, 2), round(load_after, 2)],
            "stages_s": {k: round(v, 1) for k, v in report.stages.items()},
            "unchanged_rerun_s": round(unchanged, 2), "one_record_edit_s": round(one_edit, 1),
            "one_record_edit_embedded": edit.embedded, "store_mb": round(store_mb, 1),
            "rss_before_mb": round(rss_before, 1), "rss_peak_mb": round(rss_peak, 1),
            # The encoder processes (assistant/embeddings.EmbeddingPool): the largest one's peak; they run at once.
            "rss_peak_encoder_process_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 100_000
    print(json.dumps(run(n), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
