"""Settings, read once at start and passed in as arguments (the domain never reads them)."""

from __future__ import annotations

import datetime as dt
import os
import string
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from landbank.errors import InputError

DEFAULT_DB = "sqlite:///landbank.sqlite"


def database_url(cli_value: str | None = None) -> str:
    """Returns the database URL: ``--db``, else ``LANDBANK_DB``, else the local SpatiaLite file."""
    return cli_value or os.environ.get("LANDBANK_DB") or DEFAULT_DB


def read_database_url(cli_value: str | None = None) -> str | None:
    """The URL of a streaming replica that answers the service's reads: ``--read-db``,
    else ``LANDBANK_READ_DB``, else None (every read on the database itself)."""
    return cli_value or os.environ.get("LANDBANK_READ_DB") or None


DATES_EARLIEST = dt.date(1949, 10, 1)
DATES_YEARS_AHEAD = 30


@dataclass(frozen=True)
class Profile:
    """A city's settings: name, jurisdiction, rule thresholds, admission standard,
    grading, land-use crosswalk. A city's file is laid over the default profile."""

    name: str
    jurisdiction_bbox: tuple[float, float, float, float] | None = None
    gk_zone_3deg: int | None = None
    data: dict = field(default_factory=dict)
    # the folder of the profile's file (a city's templates are found beside it)
    folder: Path | None = None

    @property
    def rules(self) -> dict:
        return self.data.get("rules", {})

    @property
    def standard(self) -> dict:
        return self.data.get("standard", {})

    @property
    def grading(self) -> dict:
        return self.data.get("grading", {})

    @property
    def evaluation(self):
        """``[evaluation]`` read: the per-mu evaluation's rules by enterprise
        (``landbank.domain.evaluation.Rules``)."""
        from landbank.domain.evaluation import Rules

        return Rules.from_profile(self.name, self.data.get("evaluation", {}))

    @property
    def crosswalk(self) -> dict[str, str]:
        return self.data.get("crosswalk", {})

    @property
    def case(self) -> dict:
        """``[case]``: the authority, its contact, the periods, the number patterns."""
        return self.data.get("case", {})

    @property
    def survey(self) -> dict:
        """``[survey]``: how far (m) and how long (days) before the visit a photo may
        be taken before it is flagged."""
        return {
            "photo_max_distance_m": 200,
            "photo_max_age_days": 30,
            **self.data.get("survey", {}),
        }

    @property
    def calendar(self):
        """The official calendar with the years ``[calendar]`` adds
        (``landbank.domain.periods.Calendar``)."""
        from landbank.domain.periods import Calendar

        return Calendar.from_profile(self.data.get("calendar", {}))

    @property
    def attachment_limit_bytes(self) -> int:
        """The largest attachment the profile takes (``[case] attachment_max_mb``, checked
        when the profile is read), in bytes."""
        return int(self.case.get("attachment_max_mb", 25) * 1024 * 1024)

    def template(self, kind: str) -> Path:
        """The document template of act ``kind``: the city's (``[case] templates``, a
        folder beside the profile's file) where it has one, else landbank's."""
        own = self.case.get("templates")
        if own:
            folder = Path(own)
            if not folder.is_absolute() and self.folder is not None:
                folder = self.folder / folder
            if (folder / f"{kind}.docx").is_file():
                return folder / f"{kind}.docx"
        return Path(str(resources.files("landbank.profiles") / "templates" / f"{kind}.docx"))

    def date_bounds(self, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
        """The plausible dates of a record: ``[dates] earliest`` to the end of the year
        ``latest_years_ahead`` years after ``today``; a date outside is refused."""
        dates = self.data.get("dates", {})
        earliest = dates.get("earliest", DATES_EARLIEST)
        ahead = dates.get("latest_years_ahead", DATES_YEARS_AHEAD)
        year = (today or dt.date.today()).year + ahead
        return earliest, dt.date(min(year, 9999), 12, 31)


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _shipped(name: str):
    return resources.files("landbank.profiles") / f"{name}.toml"


def load_profile(name_or_path: str | Profile | None = None) -> Profile:
    """Reads a profile TOML: a path, or a name shipped in ``landbank/profiles`` (a
    profile already read is returned as it is).

    The name comes from the argument, else ``LANDBANK_PROFILE``, else ``default``. A
    profile read before is reused while its file is unchanged (a service reads it on
    every edit)."""
    if isinstance(name_or_path, Profile):
        return name_or_path
    ref = name_or_path or os.environ.get("LANDBANK_PROFILE") or "default"
    path = Path(ref)
    source = path if (path.suffix == ".toml" or path.exists()) else Path(str(_shipped(ref)))
    try:
        stamp = source.stat().st_mtime_ns
    except OSError:
        stamp = None  # missing: _read says so
    key = (ref, str(source), stamp)
    if stamp is not None and key in _profiles:
        return _profiles[key]
    profile = _read(ref)
    if stamp is not None:
        _profiles[key] = profile
    return profile


_profiles: dict[tuple, Profile] = {}


def _read(ref: str) -> Profile:
    path = Path(ref)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise InputError(f"profile {ref}: no such file; give a .toml path or a shipped name")
        text = path.read_text(encoding="utf-8")
    else:
        shipped = _shipped(ref)
        if not shipped.is_file():
            names = sorted(
                p.name.removesuffix(".toml")
                for p in resources.files("landbank.profiles").iterdir()
                if p.name.endswith(".toml")
            )
            raise InputError(f"profile {ref!r} is unknown; use one of {', '.join(names)} or a path")
        text = shipped.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"profile {ref}: not valid TOML ({exc}); fix the file") from None
    if ref != "default":
        data = _merge(tomllib.loads(_shipped("default").read_text(encoding="utf-8")), data)
    juris = data.get("jurisdiction", {})
    bbox = juris.get("bbox")
    if bbox is not None and not (
        isinstance(bbox, list)
        and len(bbox) == 4
        and all(isinstance(v, int | float) for v in bbox)
        and bbox[0] < bbox[2]
        and bbox[1] < bbox[3]
    ):
        raise InputError(
            f"profile {ref}: [jurisdiction] bbox must be [west, south, east, north] in "
            "degrees, e.g. [116.8, 34.4, 118.0, 35.4]"
        )
    zone = juris.get("gk_zone_3deg")
    if zone is not None and not (isinstance(zone, int) and 25 <= zone <= 45):
        raise InputError(f"profile {ref}: [jurisdiction] gk_zone_3deg must be 25 to 45")
    _check_values(data, ref)
    return Profile(
        name=data.get("name", Path(ref).stem if ref.endswith(".toml") else ref),
        jurisdiction_bbox=tuple(bbox) if bbox else None,
        gk_zone_3deg=zone,
        data=data,
        folder=path.parent.resolve() if (path.suffix == ".toml" or path.exists()) else None,
    )


# [rules] keys and the kind of value each takes: years and months are whole numbers
RULE_KINDS = {
    "approval_lapse_years": int,
    "idle_after_years": int,
    "reclaim_after_years": int,
    "idle_fee_share": float,
    "idle_developed_share": float,
    "idle_invested_share": float,
    "idle_stopped_years": int,
    "stopped_years": int,
    "unfinished_past_agreed_completion": bool,
    "built_not_operating_months": int,
}


def _check_values(data: dict, ref: str) -> None:
    """Refuses values the rules cannot use, naming the key and the fix."""

    def bad(where: str, fix: str):
        raise InputError(f"profile {ref}: {where}: {fix}")

    for key, value in data.get("rules", {}).items():
        kind = RULE_KINDS.get(key)
        if kind is None:
            bad(f"[rules] {key}", f"not a rule setting; use one of {', '.join(RULE_KINDS)}")
        if kind is bool:
            if not isinstance(value, bool):
                bad(f"[rules] {key} = {value!r}", "write true or false")
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            bad(f"[rules] {key} = {value!r}", "write a number of at least 0")
        if kind is int and value != int(value):
            bad(f"[rules] {key} = {value!r}", "write a whole number")
        if key.endswith("_share") and value > 1:
            bad(f"[rules] {key} = {value!r}", "a share lies between 0 and 1")

    def numbers(table: dict, where: str) -> None:
        for key, value in table.items():
            if isinstance(value, dict):
                numbers(value, f"{where}.{key}")
            elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                bad(f"{where} {key} = {value!r}", "write a number of at least 0")

    dates = data.get("dates", {})
    earliest = dates.get("earliest")
    if earliest is not None and (
        not isinstance(earliest, dt.date) or isinstance(earliest, dt.datetime)
    ):
        bad(f"[dates] earliest = {earliest!r}", "write a date as 1949-10-01 (no quotes)")
    ahead = dates.get("latest_years_ahead")
    if ahead is not None and (isinstance(ahead, bool) or not isinstance(ahead, int) or ahead < 0):
        bad(f"[dates] latest_years_ahead = {ahead!r}", "write a whole number of years, e.g. 30")
    numbers(data.get("standard", {}), "[standard]")
    numbers({k: v for k, v in data.get("grading", {}).items()}, "[grading]")
    shares = data.get("grading", {}).get("proportions")
    if shares and abs(sum(shares.values()) - 1) > 1e-6:
        bad("[grading.proportions]", "the shares of A, B, C and D must add up to 1")
    _check_case(data, bad)
    from landbank.domain.evaluation import problems

    for where, fix in problems(data.get("evaluation", {})):
        bad(where, fix)
    for key in ("photo_max_distance_m", "photo_max_age_days"):
        value = data.get("survey", {}).get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
        ):
            bad(f"[survey] {key} = {value!r}", "write a number above 0")
    for key, value in data.get("crosswalk", {}).items():
        if value not in ("industrial", "logistics", "commercial", "residential", "public", "other"):
            bad(
                f"[crosswalk] {key} = {value!r}",
                "use industrial, logistics, commercial, residential, public or other",
            )


def _check_case(data: dict, bad) -> None:
    """Refuses a ``[case]`` period that is not a whole number of at least 1, a number
    pattern without ``{year}`` and ``{n}``, and a ``[calendar]`` day that is no date."""
    from landbank.domain.case import DEFAULT_PERIODS, KINDS

    case = data.get("case", {})
    for key in DEFAULT_PERIODS:
        value = case.get(key)
        whole = isinstance(value, int) and not isinstance(value, bool)
        if value is not None and not (whole and value >= 1):
            bad(f"[case] {key} = {value!r}", "write a whole number of at least 1")
    for kind, pattern in case.get("numbers", {}).items():
        if kind not in KINDS:
            bad(f"[case.numbers] {kind}", f"not a kind of act; use one of {', '.join(KINDS)}")
        if not isinstance(pattern, str) or "{year}" not in pattern or "{n}" not in pattern:
            bad(f"[case.numbers] {kind} = {pattern!r}", "write a pattern with {year} and {n}")
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
        except ValueError as exc:  # an unmatched { or }
            bad(f"[case.numbers] {kind} = {pattern!r}", f"{exc}; write {{{{ or }}}} for a brace")
        else:
            if names - {"year", "n"}:
                unknown = ", ".join(f"{{{f}}}" for f in sorted(names - {"year", "n"}))
                bad(
                    f"[case.numbers] {kind} = {pattern!r}",
                    f"{unknown} is not known; only {{year}} and {{n}} are filled in",
                )
    most = case.get("attachment_max_mb")
    if most is not None and (
        isinstance(most, bool) or not isinstance(most, int | float) or not 0 < most <= 1024
    ):
        bad(f"[case] attachment_max_mb = {most!r}", "write a number of MB above 0, at most 1024")
    for year, spec in data.get("calendar", {}).items():
        if not (isinstance(year, str) and year.isdigit() and isinstance(spec, dict)):
            bad(f"[calendar] {year}", 'write [calendar."2027"] with holidays and workdays')
        for key in ("holidays", "workdays"):
            for day in spec.get(key, []):
                if (
                    not isinstance(day, dt.date)
                    or isinstance(day, dt.datetime)
                    or (str(day.year) != year)
                ):
                    bad(f'[calendar."{year}"] {key} {day!r}', f"write dates of {year}, no quotes")
