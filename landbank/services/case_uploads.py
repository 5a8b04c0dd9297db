"""Files sent to the web service for a case (a proof of service, evidence), checked as
the command line checks a file it reads: the type from the content, the size within
the profile's ``[case] attachment_max_mb``."""

from __future__ import annotations

from landbank.config import Profile, load_profile
from landbank.errors import InputError
from landbank.io.attachments import check_attachment, plain_name


def checked_upload(
    filename: str | None, content: bytes, profile: str | Profile | None = None
) -> tuple[str, bytes, str]:
    """(name, content, media type) of an uploaded file, checked as the command line
    checks a file (``io.attachments.check_attachment``): InputError naming the file
    when its content is not an allowed type, does not match its name or is over the
    profile's limit."""
    from landbank.services import case_files

    prof = load_profile(profile)
    name = plain_name(filename)
    if not content:
        raise InputError(f"{name}: the file is empty")
    return name, content, check_attachment(name, content, case_files.attachment_limit_bytes(prof))
