"""RectoPlan: decision support, surgical planning and outcomes for the rectal-cancer MDT."""

__version__ = "0.1.0"
