"""Files sent to the web service for a case (a proof of service, evidence), checked as
the command line checks a file it reads: the type from the content, the size within
the profile's ``[case] attachment_max_mb``."""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

from landbank.config import Profile, load_profile
from landbank.errors import InputError
from landbank.io.attachments import check_attachment

MAX_NAME_BYTES = 200  # a name the file system takes (255 bytes) with room to spare


def _plain_name(filename: str | None) -> str:
    """The file's own name, without any folder a browser or a client sent with it."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name.strip()
    if name in ("", ".", ".."):
        raise InputError("the file has no name; send it with its file name (e.g. proof.pdf)")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise InputError("the file's name holds a control character; rename the file")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise InputError(f"the file's name is longer than {MAX_NAME_BYTES} bytes; shorten it")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("the file's name is not valid text; rename the file") from None
    return name


def checked_upload(
    filename: str | None, content: bytes, profile: str | Profile | None = None
) -> tuple[str, bytes, str]:
    """(name, content, media type) of an uploaded file, checked as the command line
    checks a file (``io.attachments.check_attachment``): InputError naming the file
    when its content is not an allowed type, does not match its name or is over the
    profile's limit."""
    from landbank.services import case_files

    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    name = _plain_name(filename)
    if not content:
        raise InputError(f"{name}: the file is empty")
    return name, content, check_attachment(name, content, case_files.attachment_limit_bytes(prof))
