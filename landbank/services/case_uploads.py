"""Files sent to the web service for a case (a proof of service, evidence), checked as
the command line checks a file it reads: the type from the content, the size within
the profile's ``[case] attachment_max_mb``."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath, PureWindowsPath

from landbank.config import Profile, load_profile
from landbank.errors import InputError

MAX_NAME_BYTES = 200  # a name the file system takes (255 bytes) with room to spare


def upload_limit_bytes(profile: str | Profile | None = None) -> int:
    """The largest attachment the profile allows, in bytes."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    return int(float(prof.case.get("attachment_max_mb", 25)) * 1024 * 1024)


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
    """(name, content, media type) of an uploaded file, checked as
    ``services.case_files`` checks a file (its ``check_attachment`` where it has one,
    else ``read_attachment``): InputError naming the file when its content is not an
    allowed type, does not match its name or is over the limit."""
    from landbank.services import case_files

    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    name = _plain_name(filename)
    if not content:
        raise InputError(f"{name}: the file is empty")
    limit = upload_limit_bytes(prof)
    check = getattr(case_files, "check_attachment", None)
    if check is not None:
        return name, content, check(name, content, limit)
    with tempfile.TemporaryDirectory(prefix="landbank-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            return case_files.read_attachment(path, prof)
        except InputError as exc:
            raise InputError(str(exc).replace(str(path), name)) from None
