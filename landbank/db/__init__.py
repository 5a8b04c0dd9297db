"""Storage: one schema on two engines (SpatiaLite file, PostgreSQL + PostGIS)."""
