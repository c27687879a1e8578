"""An advice draft as a real Word document (python-docx): headings, numbered sections, citation endnotes."""

from __future__ import annotations

import io
from typing import Any

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def to_docx(d: dict[str, Any]) -> bytes:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.core_properties.title = d.get("title") or "Văn bản tư vấn"
    doc.core_properties.subject = "Văn bản tư vấn sở hữu trí tuệ"
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    doc.add_heading(d.get("title") or "Văn bản tư vấn", level=0)
    for s in d["sections"]:
        doc.add_heading(f"{s['number']}. {s['title']}", level=1)
        for p in s["paragraphs"]:
            para = doc.add_paragraph(p["text"])
            for n in p.get("cites") or []:
                run = para.add_run(f"[{n}]")
                run.font.superscript = True
    if d.get("warnings"):
        doc.add_heading("Lưu ý", level=1)
        for w in d["warnings"]:
            doc.add_paragraph(w, style="List Bullet")
    # Citations as an endnote list: python-docx has no footnote API, so the notes follow the text, numbered.
    doc.add_heading("Nguồn trích dẫn", level=1)
    for c in d.get("citations") or []:
        loc = f" — {c['locator']}" if c.get("locator") else ""
        doc.add_paragraph(f"[{c['n']}] {c['title']}{loc} (/sources/{c['source_id']})")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
