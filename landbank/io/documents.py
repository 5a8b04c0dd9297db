"""Documents from templates: a ``.docx`` filled by docxtpl (Jinja2 in a Word file a
city edits in Word), and a PDF of it by LibreOffice where it is installed."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from landbank.errors import EnvironmentProblem, InputError


def render_docx(template: Path, fields: dict[str, str]) -> bytes:
    """The ``template`` (.docx) with its ``{{ field }}`` tags filled from ``fields``."""
    from docxtpl import DocxTemplate

    try:
        doc = DocxTemplate(str(template))
        doc.render(fields, autoescape=True)
    except Exception as exc:  # a broken city template: say which file and why
        raise InputError(
            f"template {template}: cannot be filled ({type(exc).__name__}: {exc}); fix it in "
            "Word, keeping the {{ field }} tags whole"
        ) from None
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def soffice() -> str | None:
    """The LibreOffice command, None where it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: bytes, timeout: float = 120) -> bytes:
    """The PDF of ``docx``, converted by LibreOffice (EnvironmentProblem without it)."""
    command = soffice()
    if command is None:
        raise EnvironmentProblem("LibreOffice is not installed: no PDF (make setup installs it)")
    with tempfile.TemporaryDirectory(prefix="landbank-pdf-") as tmp:
        src = Path(tmp) / "document.docx"
        src.write_bytes(docx)
        profile = Path(tmp) / "profile"
        subprocess.run(
            [command, f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", "pdf", "--outdir", tmp, str(src)],
            check=False, capture_output=True, timeout=timeout,
        )  # fmt: skip
        pdf = Path(tmp) / "document.pdf"
        if not pdf.is_file():
            raise EnvironmentProblem("LibreOffice made no PDF of the document")
        return pdf.read_bytes()
