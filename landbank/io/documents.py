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
    """The PDF of ``docx``, converted by LibreOffice (``pdfs_of`` of one)."""
    return pdfs_of([docx], timeout=timeout)[0]


def pdfs_of(
    documents: list[bytes], command: str | None = None, timeout: float = 600
) -> list[bytes]:
    """The PDFs of ``documents`` (.docx contents), converted by one run of LibreOffice
    (``command``, default ``soffice()``): its start is most of the cost of one
    conversion. EnvironmentProblem (one line) without LibreOffice, when it does not
    end within ``timeout`` seconds, cannot be run, or makes no PDF of a document."""
    command = command or soffice()
    if command is None:
        raise EnvironmentProblem("LibreOffice is not installed: no PDF (make setup installs it)")
    with tempfile.TemporaryDirectory(prefix="landbank-pdf-") as tmp:
        folder = Path(tmp)
        sources = []
        for i, content in enumerate(documents):
            src = folder / f"d{i:04d}.docx"
            src.write_bytes(content)
            sources.append(str(src))
        profile = folder / "profile"
        try:
            subprocess.run(
                [command, f"-env:UserInstallation=file://{profile}", "--headless",
                 "--convert-to", "pdf", "--outdir", tmp, *sources],
                check=False, capture_output=True, timeout=timeout,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise EnvironmentProblem(
                f"LibreOffice did not finish the PDF within {timeout:g} s; close any "
                "LibreOffice window left open and try again"
            ) from None
        except OSError as exc:
            raise EnvironmentProblem(
                f"LibreOffice ({command}) cannot be run: {exc.strerror or exc}"
            ) from None
        made = []
        for i in range(len(documents)):
            pdf = folder / f"d{i:04d}.pdf"
            if not pdf.is_file():
                what = "the document" if len(documents) == 1 else f"document {i + 1}"
                raise EnvironmentProblem(f"LibreOffice made no PDF of {what}")
            made.append(pdf.read_bytes())
        return made
