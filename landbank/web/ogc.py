"""OGC API - Features (read): landing page, conformance, collections parcels and
buildings, items with bbox, limit, offset and next links, GeoJSON in CRS84."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
