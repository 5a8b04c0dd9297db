"""Survey photos: checked as every attachment is (``io.attachments``: type by content,
whole, within the size limit), JPEG or PNG only, and their EXIF read with Pillow: the
moment taken (DateTimeOriginal with its offset, else China time) and the GPS position
(WGS84 degrees)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from landbank.errors import InputError
from landbank.io.attachments import JPEG, PNG, _sniff, check_attachment

PHOTO_TYPES = (JPEG, PNG)
CHINA = dt.timezone(dt.timedelta(hours=8))
_GPS_IFD, _EXIF_IFD = 0x8825, 0x8769
_DATETIME_ORIGINAL, _OFFSET_ORIGINAL, _DATETIME = 0x9003, 0x9011, 0x0132


@dataclass(frozen=True)
class PhotoFacts:
    """What a photo says of itself: its media type, when it was taken (aware, or None)
    and where (lon, lat in WGS84 degrees, or None)."""

    media_type: str
    taken_at: dt.datetime | None
    lon: float | None
    lat: float | None


def check_photo(filename: str, content: bytes, limit_bytes: int) -> PhotoFacts:
    """The facts of a survey photo: refused (one InputError naming the file and the
    fix) when it is not a whole JPEG or PNG within ``limit_bytes``."""
    if content and _sniff(content) in ("image/heic", "image/heif", "image/avif"):
        raise InputError(
            f"{filename}: a HEIC photo is not taken; send it from the survey page (which "
            "sends JPEG) or set the camera to JPEG (Most Compatible)"
        )
    media = check_attachment(filename, content, limit_bytes)
    if media not in PHOTO_TYPES:
        raise InputError(f"{filename}: a survey photo is a JPEG or PNG image; take a photo")
    taken, lon, lat = _exif(content)
    return PhotoFacts(media, taken, lon, lat)


def _exif(content: bytes) -> tuple[dt.datetime | None, float | None, float | None]:
    from PIL import Image

    with Image.open(io.BytesIO(content)) as im:
        exif = im.getexif()
    sub = exif.get_ifd(_EXIF_IFD)
    taken = _moment(sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME), sub.get(_OFFSET_ORIGINAL))
    lon, lat = _position(exif.get_ifd(_GPS_IFD))
    return taken, lon, lat


def _moment(text, offset) -> dt.datetime | None:
    """EXIF ``YYYY:MM:DD HH:MM:SS`` with its ``+HH:MM`` offset (China time without one)."""
    try:
        moment = dt.datetime.strptime(str(text).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (TypeError, ValueError):
        return None
    zone = CHINA
    if isinstance(offset, str) and len(offset.strip("\x00")) == 6:
        try:
            off = offset.strip("\x00")
            sign = -1 if off[0] == "-" else 1
            zone = dt.timezone(sign * dt.timedelta(hours=int(off[1:3]), minutes=int(off[4:6])))
        except ValueError:
            zone = CHINA
    return moment.replace(tzinfo=zone)


def _position(gps) -> tuple[float | None, float | None]:
    """(lon, lat) of an EXIF GPS IFD (tags 1-4: N/S, latitude, E/W, longitude as
    degrees, minutes, seconds); (None, None) when missing or impossible."""
    try:
        lat = _degrees(gps[2]) * (-1 if str(gps.get(1, "N")).upper().startswith("S") else 1)
        lon = _degrees(gps[4]) * (-1 if str(gps.get(3, "E")).upper().startswith("W") else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None, None
    return round(lon, 7), round(lat, 7)


def _degrees(dms) -> float:
    d, m, s = (float(v) for v in dms)
    return d + m / 60 + s / 3600
