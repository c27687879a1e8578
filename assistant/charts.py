"""Server-rendered SVG charts: no script, no CDN, no style attributes (the CSP forbids inline styles).

Each function returns markup for an accessible ``<svg role="img">`` whose ``<title>`` names the chart; every
label is escaped. Pages always show the same numbers in a table beside the chart, so the chart is never the only
way to read them.
"""

from __future__ import annotations

import math
from itertools import count
from typing import Sequence

from markupsafe import Markup, escape

PALETTE = ("#0b57a4", "#d9822b", "#2e8540", "#8e44ad", "#c0392b", "#16a085")
_ids = count(1)


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5, 5 × 10^k)."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return float(step * exp)
    return float(10 * exp)


def _fmt(v: float) -> str:
    return f"{int(v):,}".replace(",", ".") if float(v).is_integer() else f"{v:,.1f}".replace(",", " ")


def _svg(width: int, height: int, title: str, body: list[str], testid: str) -> Markup:
    cid = f"chart-{next(_ids)}"
    return Markup(
        f'<svg class="chart" data-testid="{escape(testid)}" role="img" aria-labelledby="{cid}" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{cid}">{escape(title)}</title>'
        + "".join(body) + "</svg>")


def bar_chart(points: Sequence[tuple[str, float]], title: str, testid: str = "chart", width: int = 640,
              height: int = 260, color: str = PALETTE[0]) -> Markup:
    """Vertical bars, one per (label, value), with a value above each bar."""
    left, right, top, bottom = 44, 8, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((v for _, v in points), default=0))
    body = _axis(left, top, plot_w, plot_h, top_value)
    n = max(len(points), 1)
    slot = plot_w / n
    bar = max(2.0, slot * 0.7)
    every = max(1, math.ceil(n / 16))  # keep x labels legible
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top_value
        x = left + i * slot + (slot - bar) / 2
        y = top + plot_h - h
        body.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{color}" '
                    f'data-label="{escape(label)}" data-value="{_fmt(value)}"><title>{escape(label)}: '
                    f'{_fmt(value)}</title></rect>')
        if value and n <= 24:
            body.append(f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="10" '
                        f'fill="#333">{_fmt(value)}</text>')
        if i % every == 0:
            body.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" font-size="10" '
                        f'fill="#333">{escape(label)}</text>')
    return _svg(width, height, title, body, testid)


def hbar_chart(points: Sequence[tuple[str, float]], title: str, testid: str = "chart", width: int = 640,
               color: str = PALETTE[1], label_width: int = 230) -> Markup:
    """Horizontal bars for rankings (top classes, top owners); long labels are cut with an ellipsis."""
    row, top = 22, 8
    height = top * 2 + row * max(len(points), 1)
    plot_w = width - label_width - 48
    top_value = max((v for _, v in points), default=0) or 1
    body = []
    for i, (label, value) in enumerate(points):
        y = top + i * row
        w = plot_w * value / top_value
        short = label if len(label) <= 34 else label[:33] + "…"
        body.append(f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" font-size="11" fill="#333">'
                    f'{escape(short)}</text>')
        body.append(f'<rect class="bar" x="{label_width}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 6}" '
                    f'fill="{color}" data-label="{escape(label)}" data-value="{_fmt(value)}"><title>'
                    f'{escape(label)}: {_fmt(value)}</title></rect>')
        body.append(f'<text x="{label_width + w + 4:.1f}" y="{y + 15}" font-size="11" fill="#333">{_fmt(value)}</text>')
    return _svg(width, height, title, body, testid)


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], title: str,
               testid: str = "chart", width: int = 640, height: int = 280) -> Markup:
    """One line per series over shared x labels (months, days); ``None`` leaves a gap. A legend names series."""
    left, right, top, bottom = 56, 8, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vs in series for v in vs if v is not None]
    top_value = _nice_max(max(values, default=0))
    body = _axis(left, top, plot_w, plot_h, top_value)
    n = max(len(labels), 1)
    step = plot_w / max(n - 1, 1)
    every = max(1, math.ceil(n / 12))
    for i, label in enumerate(labels):
        if i % every == 0:
            body.append(f'<text x="{left + i * step:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
                        f'font-size="10" fill="#333">{escape(label)}</text>')
    for s, (name, vs) in enumerate(series):
        color = PALETTE[s % len(PALETTE)]
        pts, path = [], []
        for i, v in enumerate(vs):
            if v is None:
                if pts:
                    path.append(pts)
                pts = []
                continue
            pts.append((left + i * step, top + plot_h - plot_h * v / top_value, labels[i], v))
        if pts:
            path.append(pts)
        for run in path:
            d = " ".join(f"{'M' if j == 0 else 'L'}{x:.1f},{y:.1f}" for j, (x, y, _, _) in enumerate(run))
            body.append(f'<path d="{d}" fill="none" stroke="{color}" stroke-width="2"/>')
            for x, y, label, v in run:
                body.append(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}" '
                            f'data-series="{escape(name)}" data-label="{escape(label)}" data-value="{_fmt(v)}">'
                            f'<title>{escape(name)} {escape(label)}: {_fmt(v)}</title></circle>')
        lx = left + s * 170
        body.append(f'<rect x="{lx}" y="6" width="12" height="12" fill="{color}"/>'
                    f'<text x="{lx + 16}" y="16" font-size="11" fill="#333">{escape(name)}</text>')
    return _svg(width, height, title, body, testid)


def _axis(left: int, top: int, plot_w: float, plot_h: float, top_value: float) -> list[str]:
    out = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>']
    for k in range(5):
        v = top_value * k / 4
        y = top + plot_h - plot_h * k / 4
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e3e3e3"/>'
                   f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="10" fill="#555">'
                   f'{_fmt(v)}</text>')
    return out
