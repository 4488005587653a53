"""PDF documents of a review and of the annual report, with fpdf2 (no network, no browser).

A Unicode TrueType font (DejaVu Sans by default, ``STEWARD_PDF_FONT``) is used when it exists, so
reasons in any script print as written; without one the core Helvetica font is used and characters
outside Latin-1 print as "?".
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from fpdf import FPDF
from fpdf.enums import XPos, YPos

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)


def _font_path() -> str | None:
    configured = getattr(settings, "STEWARD_PDF_FONT", "") or os.environ.get("STEWARD_PDF_FONT", "")
    for candidate in (configured, *_FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


class Document(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.title_text = title
        self.set_title(title)
        self.set_creator("Steward")
        self.set_auto_page_break(auto=True, margin=15)
        font = _font_path()
        if font:
            self.add_font("body", "", font)
            bold = font.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
            self.add_font("body", "B", bold if Path(bold).is_file() else font)
            self.family, self.unicode = "body", True
        else:
            self.family, self.unicode = "helvetica", False
        self.add_page()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.cell(0, 8, self.clean(f"{self.title_text} · page {self.page_no()}"), align="C")

    def clean(self, text) -> str:
        text = "" if text is None else str(text)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def heading(self, text: str, size: int = 16) -> None:
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.5, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def paragraph(self, text: str, size: int = 10) -> None:
        self.set_font(self.family, "", size)
        self.multi_cell(0, 5, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def facts(self, rows: list[tuple[str, object]]) -> None:
        self.set_font(self.family, "", 10)
        for label, value in rows:
            self.set_font(self.family, "B", 10)
            self.cell(70, 6, self.clean(label))
            self.set_font(self.family, "", 10)
            self.multi_cell(0, 6, self.clean(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def table(self, header: list[str], rows: list[list[object]], widths: list[int] | None = None) -> None:
        self.set_font(self.family, "", 8)
        with super().table(col_widths=widths, text_align="LEFT", line_height=4.5) as grid:
            grid.row([self.clean(h) for h in header])
            for values in rows:
                grid.row([self.clean(v) for v in values])
        self.ln(3)


def review_pdf(*, review, findings, city) -> bytes:
    doc = Document(f"Compliance review {review.reference}, {city.name}")
    doc.heading(f"{city.name}: compliance review of {review.month:%B %Y}")
    summary = review.summary or {}
    doc.facts(
        [
            ("Reference", review.reference),
            ("Status", review.get_status_display()),
            (
                "Signed",
                f"{review.signed_at:%Y-%m-%d} by {review.signed_by}" if review.signed_at else "not yet",
            ),
            ("Searches in the month", summary.get("searches", 0)),
            ("Audit entries in the month", summary.get("audit_events", 0)),
            ("Findings", summary.get("findings", 0)),
            (
                "By severity",
                ", ".join(f"{k}: {v}" for k, v in sorted((summary.get("findings_by_severity") or {}).items()))
                or "none",
            ),
        ]
    )
    doc.heading("Findings", 13)
    rows = []
    for f in findings:
        rows.append(
            [
                f.get_door_display(),
                f.get_severity_display(),
                f.title,
                f.agency.name if f.agency_id else "",
                f.occurred_at.strftime("%Y-%m-%d %H:%M") if f.occurred_at else "",
                f"{f.evidence_searches.count()} searches, {f.evidence_events.count()} audit entries",
                f"{f.get_status_display()}{': ' + f.note if f.note else ''}",
            ]
        )
    if rows:
        doc.table(
            ["Door", "Severity", "Finding", "Agency", "When (UTC)", "Evidence", "Review"],
            rows,
            [18, 16, 50, 30, 22, 26, 28],
        )
    else:
        doc.paragraph("No findings: nothing in the month matched any pattern the review looks for.")
    return bytes(doc.output())


def annual_report_pdf(*, report) -> bytes:
    doc = Document(f"Annual ALPR report {report.year}, {report.city.name}")
    doc.heading(f"{report.city.name}: licence plate readers, {report.year}")
    doc.paragraph(
        "Published under the city's transparency policy. No plate and no officer's name appears here."
    )
    doc.facts(report.fact_rows())
    for title, header, rows in report.tables():
        doc.heading(title, 12)
        if rows:
            doc.table(header, rows)
        else:
            doc.paragraph("None.")
    return bytes(doc.output())
