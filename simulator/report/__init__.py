"""Rendering results: terminal tables, JSON, CSV and Markdown. No economics here."""

from ..atomic import write_atomic
from .writers import FORMATS, check_finite, format_from_suffix, render

__all__ = ["FORMATS", "check_finite", "format_from_suffix", "render", "write_atomic"]
