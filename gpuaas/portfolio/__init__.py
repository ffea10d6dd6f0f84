"""The portfolio: its schema, loading with locations, and round-trip edits."""
from .load import Loaded, load_portfolio, load_text
from .schema import Portfolio

__all__ = ["Loaded", "Portfolio", "load_portfolio", "load_text"]
