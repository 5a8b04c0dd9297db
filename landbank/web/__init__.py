"""The bureau's web service (``landbank serve``): pages, the JSON API under /api/v1,
and OGC API - Features under /ogc, thin layers over ``landbank.services``."""
