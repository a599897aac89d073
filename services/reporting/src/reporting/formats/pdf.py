"""PDF in Russian: the DejaVu fonts (shipped with matplotlib) embedded, each sheet a
table, and a bar chart where a sheet names one (for example quality and progress per
class), drawn by matplotlib."""

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.pyplot as plt
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from reporting.formats.sheets import Chart, Document, Sheet, cell

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"


@cache
def _fonts() -> None:
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))


def _chart(sheet: Sheet, chart: Chart) -> Image | None:
    labels = [str(cell(row.get(chart.label_column))) for row in sheet.rows]
    if not labels:
        return None
    titles = dict(sheet.columns)
    figure, axes = plt.subplots(figsize=(9, 3.2), dpi=150)
    try:
        width = 0.8 / max(1, len(chart.value_columns))
        for n, column in enumerate(chart.value_columns):
            values = [float(row.get(column) or 0) for row in sheet.rows]
            axes.bar(
                [i + n * width for i in range(len(labels))], values, width, label=titles[column]
            )
        axes.set_xticks(
            [i + width * (len(chart.value_columns) - 1) / 2 for i in range(len(labels))]
        )
        axes.set_xticklabels(labels, fontsize=7, rotation=30 if len(labels) > 8 else 0)
        axes.set_ylim(0, 100)
        axes.set_title(chart.title, fontsize=9)
        axes.legend(fontsize=7)
        axes.grid(axis="y", alpha=0.3)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
    finally:
        plt.close(figure)
    out.seek(0)
    return Image(out, width=250 * mm, height=250 * mm * 3.2 / 9)


def to_pdf(document: Document) -> bytes:
    _fonts()
    title = ParagraphStyle("title", fontName=BOLD, fontSize=14, leading=18)
    subtitle = ParagraphStyle("subtitle", fontName=REGULAR, fontSize=10, leading=13)
    heading = ParagraphStyle("heading", fontName=BOLD, fontSize=11, leading=15, spaceBefore=8)
    small = ParagraphStyle("small", fontName=REGULAR, fontSize=7, leading=9)
    small_bold = ParagraphStyle("small_bold", fontName=BOLD, fontSize=7, leading=9)
    story: list[object] = [
        Paragraph(escape(document.title), title),
        Paragraph(escape(document.subtitle), subtitle),
        Spacer(1, 4 * mm),
    ]
    for sheet in document.sheets:
        story.append(Paragraph(escape(sheet.title), heading))
        if sheet.chart is not None and (image := _chart(sheet, sheet.chart)) is not None:
            story.append(image)
        data = [[Paragraph(escape(t), small_bold) for _, t in sheet.columns]]
        data += [
            [Paragraph(escape(str(cell(row.get(key)))), small) for key, _ in sheet.columns]
            for row in sheet.rows
        ]
        if not sheet.rows:
            data.append([Paragraph("Нет данных", small)] + [""] * (len(sheet.columns) - 1))
        table = LongTable(data, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE6F1")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        title=document.title,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
    ).build(story)
    return out.getvalue()
