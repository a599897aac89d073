"""Printable slips of activation codes: one PDF, four slips to an A4 page, cut along the
dashed lines. DejaVu Sans (shipped in fonts/, its licence beside it) is embedded, so the
Cyrillic prints the same on any machine."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF

FONTS = Path(__file__).with_name("fonts")
FONT = "DejaVuSans"
SLIPS_PER_PAGE = 4
MARGIN = 12.0  # mm
PAGE_W, PAGE_H = 210.0, 297.0

INSTRUCTIONS = (
    "1. Откройте в браузере адрес, указанный выше, и выберите «Первый вход».",
    "2. Введите логин и код активации (буквы можно вводить строчными, дефис не обязателен).",
    "3. Придумайте пароль не короче 8 символов. Никому не сообщайте пароль и не храните его "
    "рядом с этим листком.",
    "Код действует один раз и до указанного срока. Если срок истёк или код не подходит, "
    "обратитесь к заместителю директора по УВР за новым кодом.",
)


@dataclass(frozen=True)
class Slip:
    full_name: str
    role: str  # «Ученик», «Родитель (законный представитель)»
    login: str
    code: str
    expires_at: datetime
    note: str | None = None  # a parent's slip names the children


def _full_name(last: str, first: str, middle: str | None) -> str:
    return " ".join(part for part in (last, first, middle) if part)


def slips_pdf(
    slips: list[Slip], *, school_name: str, class_name: str | None, address: str, timezone: str
) -> bytes:
    """The slips as one PDF document."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title("Реквизиты доступа" + (f": {class_name}" if class_name else ""))
    pdf.set_creator("Электронный журнал")
    zone = ZoneInfo(timezone)
    height = (PAGE_H - 2 * MARGIN) / SLIPS_PER_PAGE
    width = PAGE_W - 2 * MARGIN
    for index, slip in enumerate(slips):
        row = index % SLIPS_PER_PAGE
        if row == 0:
            pdf.add_page()
        top = MARGIN + row * height
        _slip(pdf, slip, top, width, school_name, address, zone)
        if row < SLIPS_PER_PAGE - 1:
            with pdf.local_context(dash_pattern={"dash": 2, "gap": 2}, draw_color=(150, 150, 150)):
                pdf.line(MARGIN, top + height, MARGIN + width, top + height)
    return bytes(pdf.output())


def _slip(
    pdf: FPDF,
    slip: Slip,
    top: float,
    width: float,
    school_name: str,
    address: str,
    zone: ZoneInfo,
) -> None:
    left = MARGIN + 4
    inner = width - 8
    pdf.set_xy(left, top + 4)
    pdf.set_font(FONT, "", 8)
    pdf.cell(inner, 4, f"{school_name} · Электронный журнал и дневник", new_x="LMARGIN")
    pdf.set_xy(left, top + 9)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(inner, 6, slip.full_name, new_x="LMARGIN")
    pdf.set_xy(left, top + 15)
    pdf.set_font(FONT, "", 9)
    pdf.cell(inner, 5, slip.role + (f" · {slip.note}" if slip.note else ""), new_x="LMARGIN")
    expires = slip.expires_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
    for offset, (label, value, bold) in enumerate(
        (
            ("Адрес", address, False),
            ("Логин", slip.login, True),
            ("Код активации", slip.code, True),
            ("Действует до", expires, False),
        )
    ):
        y = top + 22 + offset * 6
        pdf.set_xy(left, y)
        pdf.set_font(FONT, "", 9)
        pdf.cell(32, 6, label + ":")
        pdf.set_font(FONT, "B" if bold else "", 11 if bold else 9)
        pdf.cell(inner - 32, 6, value)
    pdf.set_xy(left, top + 47)
    pdf.set_font(FONT, "", 7.5)
    for line in INSTRUCTIONS:
        pdf.set_x(left)
        pdf.multi_cell(inner, 3.6, line, new_x="LMARGIN", new_y="NEXT")
