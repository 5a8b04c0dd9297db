"""The one small family of errors. Each knows its exit code and HTTP status, so the
CLI and the web layer map them without knowing the cause.

A message says what, where and the fix, e.g.
``parcels.csv row 12, approved_on: "2031-02-30" is not a date; write YYYY-MM-DD.``
"""


class LandbankError(Exception):
    """Base of every error a user can cause or fix."""

    exit_code = 1
    http_status = 400


class InputError(LandbankError):
    """Bad input: a file, a value, an option. Nothing was written."""

    http_status = 422


class EnvironmentProblem(LandbankError):
    """The machine lacks something (a library, a database server)."""

    http_status = 503


class ConflictError(LandbankError):
    """A write based on a stale version, or a duplicate. ``current_version``: the
    version the record is at now, where the writer knows it (for a 409 answer)."""

    http_status = 409

    def __init__(self, message: str, current_version: int | None = None):
        super().__init__(message)
        self.current_version = current_version


class FieldProblems(InputError):
    """Bad values for named fields: ``problems`` holds a message per field (each names
    its field); the text of the error is the first of them."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(next(iter(problems.values())))
        self.problems = problems


class NotFoundError(LandbankError):
    """The named object does not exist."""

    http_status = 404


class ForbiddenError(LandbankError):
    """The user may not do this."""

    http_status = 403
