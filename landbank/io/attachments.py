"""Attachments checked before they are kept: the type read from the content (not the
name), the name's extension agreeing with it, the file whole (an image decodes, a PDF
opens, a Word file is a whole zip), the size within the limit. One check for the
command line (a path) and the web (bytes)."""

from __future__ import annotations

import io
import logging
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath

from landbank.errors import InputError

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# the types taken: media type → (label, the extensions a name of it may end with)
TAKEN: dict[str, tuple[str, tuple[str, ...]]] = {
    PDF: ("PDF", (".pdf",)),
    JPEG: ("JPEG image", (".jpg", ".jpeg")),
    PNG: ("PNG image", (".png",)),
    TIFF: ("TIFF image", (".tif", ".tiff")),
    DOCX: ("Word .docx", (".docx",)),
}
MEDIA_OF_SUFFIX = {suffix: media for media, (_, suffixes) in TAKEN.items() for suffix in suffixes}
# types already compressed: a zip stores them as they are
COMPRESSED = frozenset({PDF, JPEG, PNG, DOCX})
_WHAT_IS_TAKEN = "a PDF, JPEG, PNG, TIFF or Word .docx"
_SUFFIXES = " ".join(MEDIA_OF_SUFFIX)
_quiet_lock = threading.Lock()
MAX_NAME_BYTES = 200  # a name the file system takes (255 bytes) with room to spare


def plain_name(filename: str | None) -> str:
    """The file's own name, without any folder a browser, a client or a path gave it
    (``/`` or ``\\``): the one rule for the name of an attachment, from the command
    line or the web. InputError when nothing is left, when it holds a control
    character or is not valid text, or is longer than ``MAX_NAME_BYTES`` in UTF-8."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name.strip()
    if name in ("", ".", ".."):
        raise InputError("the file has no name; send it with its file name (e.g. proof.pdf)")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise InputError("the file's name holds a control character; rename the file")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise InputError(
            f"{name[:40]}…: the file's name is longer than {MAX_NAME_BYTES} bytes; shorten it"
        )
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("the file's name is not valid text; rename the file") from None
    return name


def read_file(path: Path, limit_bytes: int) -> bytes:
    """The bytes of the file at ``path``, refused (InputError) when it is missing, not
    a file, or larger than ``limit_bytes`` (checked before it is read)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file; give the path of a file to attach")
    _check_size(path.name, path.stat().st_size, limit_bytes)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def check_attachment(filename: str, content: bytes, limit_bytes: int) -> str:
    """The media type of ``content`` (attached as ``filename``), read from the content:
    a PDF, JPEG, PNG, TIFF or Word .docx whose name ends as its type does, not empty,
    at most ``limit_bytes``, and whole (an image decodes, a PDF opens, a .docx is a
    whole zip). Anything else is one InputError naming the file and the fix."""
    name = Path(filename or "").name
    if not name:
        raise InputError("the attachment has no file name; give it one ending in " + _SUFFIXES)
    _check_size(name, len(content), limit_bytes)
    suffix = Path(name).suffix.lower()
    claimed = MEDIA_OF_SUFFIX.get(suffix)
    if claimed is None:
        what = f"{suffix} files are" if suffix else "a name without an extension is"
        raise InputError(f"{name}: {what} not taken; attach {_WHAT_IS_TAKEN} ({_SUFFIXES})")
    found = _sniff(content)
    if found != claimed:
        label = TAKEN[claimed][0]
        if found in TAKEN:
            right = Path(name).with_suffix(TAKEN[found][1][0]).name
            raise InputError(
                f"{name}: its content is a {TAKEN[found][0]}, not a {label} as its name "
                f"says; rename it {right}, or attach the right file"
            )
        raise InputError(
            f"{name}: its content is {_describe(content, found)}, not a {label}; attach "
            f"{_WHAT_IS_TAKEN}"
        )
    _check_whole(name, content, found)
    return found


def _check_size(name: str, size: int, limit_bytes: int) -> None:
    if size == 0:
        raise InputError(f"{name}: the file is empty; attach the whole file")
    if size > limit_bytes:
        raise InputError(
            f"{name}: {size / 1048576:.1f} MB, over the limit of {limit_bytes / 1048576:.3g} MB "
            "([case] attachment_max_mb in the profile); attach a smaller scan or split it"
        )


def _sniff(content: bytes) -> str | None:
    """The media type the content's leading bytes say (filetype), None when unknown."""
    import filetype

    kind = filetype.guess(content)
    return kind.mime if kind is not None else None


def _describe(content: bytes, media: str | None) -> str:
    """What a refused content looks like, for the message."""
    if media == "application/zip":
        return "a zip archive (a cut-short or damaged .docx is one too)"
    if media is not None:
        return media
    head = content[:4096]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return "of no known type"
    if text.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
        return "text (JSON)"
    return "text"


def _check_whole(name: str, content: bytes, media: str) -> None:
    """Refuses content of ``media`` that does not open whole: a truncated or damaged
    file."""
    try:
        if media == PDF:
            pdf_pages(content)
        elif media == DOCX:
            _check_docx(content)
        else:
            _check_image(content, media)
    except _Protected:
        raise InputError(
            f"{name}: a password protects the PDF; attach an unprotected copy"
        ) from None
    except Exception as exc:  # what each reader raises on a damaged file varies
        label = TAKEN[media][0]
        if type(exc).__name__ == "DecompressionBombError":
            raise InputError(
                f"{name}: the image has too many pixels ({exc}); attach a smaller scan"
            ) from None
        why = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise InputError(
            f"{name}: the {label} is damaged or cut short ({why}); attach the whole file"
        ) from None


class _Protected(Exception):
    """A PDF that a password protects."""


def pdf_pages(content: bytes) -> int:
    """The number of pages of a PDF (pypdf); raises on a PDF that does not open whole
    (one cut short has no ``%%EOF``)."""
    import pypdf

    with _quiet("pypdf"):
        reader = pypdf.PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise _Protected
        return len(reader.pages)


def _check_docx(content: bytes) -> None:
    """A Word .docx: a zip whose members are whole and that holds the document part."""
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        if "word/document.xml" not in zf.namelist():
            raise ValueError("no word/document.xml inside")
        bad = zf.testzip()
        if bad is not None:
            raise ValueError(f"member {bad} is damaged")


def _check_image(content: bytes, media: str) -> None:
    """An image that decodes: its structure checked (``verify``), then its pixels read
    (a JPEG at an eighth of its size, which still reads every byte)."""
    from PIL import Image, ImageSequence

    with Image.open(io.BytesIO(content)) as im:
        im.verify()
    if media == PNG:  # verify checked every chunk's CRC up to IEND
        return
    with Image.open(io.BytesIO(content)) as im:
        if media == JPEG:
            im.draft("RGB", (max(1, im.width // 8), max(1, im.height // 8)))
            im.load()
            return
        for frame in ImageSequence.Iterator(im):
            frame.load()


@contextmanager
def _quiet(logger_name: str):
    """Silences a library's loggers for the block (pypdf logs what it then raises);
    its modules' loggers inherit the level. One block at a time, so threads of the web
    service cannot leave it silenced."""
    with _quiet_lock:
        logger = logging.getLogger(logger_name)
        was = logger.level
        logger.setLevel(logging.CRITICAL + 1)
        try:
            yield
        finally:
            logger.setLevel(was)
