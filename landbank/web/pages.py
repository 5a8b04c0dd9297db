"""The service's pages, rendered on the server (Chinese by default, English switch)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
