"""landbank: the idle and inefficient land (五未土地) inventory of a city's land bureau."""

__version__ = "0.1.0"
