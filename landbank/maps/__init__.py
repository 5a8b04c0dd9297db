"""Web maps: builders (one module), assets from packages, compact encoding."""
