"""Attachments: a file's type is what its bytes are (`filetype`'s signatures, else UTF-8
text), never what its name or the client says; only the types a school exchanges are kept,
within size and count limits; the bytes are stored in messaging's database."""

import unicodedata
from dataclasses import dataclass

import filetype

from shared.errors import Problem

PLAIN_TEXT = "text/plain"
ALLOWED_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        PLAIN_TEXT,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
    }
)
_TEXT_CONTROLS = frozenset("\t\n\f\r")


@dataclass(frozen=True)
class Upload:
    """A file as it came with a message: its (cleaned) name and bytes."""

    file_name: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    file_name: str
    content_type: str
    content: bytes


def detected_type(content: bytes) -> str | None:
    """The content's media type if it is one of ALLOWED_TYPES, judged by its bytes."""
    kind = filetype.guess(content)
    if kind is not None:
        return kind.mime if kind.mime in ALLOWED_TYPES else None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(unicodedata.category(c) == "Cc" and c not in _TEXT_CONTROLS for c in text):
        return None
    return PLAIN_TEXT


def clean_file_name(name: str) -> str:
    """No folders, no control characters, at most 200 characters ("file" if nothing left)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return base[:200] or "file"


def file_too_large(max_bytes: int) -> Problem:
    return Problem(
        413,
        "attachment-too-large",
        "Attachment too large",
        f"Вложение — не больше {max_bytes // (1024 * 1024)} МБ.",
        max_bytes=max_bytes,
    )


def checked(uploads: list[Upload], *, max_bytes: int, max_files: int) -> list[CheckedFile]:
    """The files with their types, or the first problem: too many (422), empty (422),
    too large (413), a type not allowed by its content (415)."""
    if len(uploads) > max_files:
        raise Problem(
            422,
            "too-many-attachments",
            "Too many attachments",
            f"К сообщению можно приложить не больше {max_files} файлов.",
            max_files=max_files,
        )
    files = []
    for upload in uploads:
        if not upload.content:
            raise Problem(422, "empty-attachment", "Empty attachment", "Файл пуст.")
        if len(upload.content) > max_bytes:
            raise file_too_large(max_bytes)
        content_type = detected_type(upload.content)
        if content_type is None:
            raise Problem(
                415,
                "attachment-type-not-allowed",
                "Attachment type not allowed",
                "К сообщению прикладываются PDF, PNG, JPEG, текст, DOCX, XLSX, PPTX и ODT; "
                "тип определяется по содержимому файла.",
            )
        files.append(CheckedFile(clean_file_name(upload.file_name), content_type, upload.content))
    return files
