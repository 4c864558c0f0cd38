"""The TOML scenario language: schema, loading, and resolving names against a dataset."""

from .loader import ScenarioFile
from .loader import load as load_scenario
from .resolve import resolve, resolve_elasticities

__all__ = ["ScenarioFile", "load_scenario", "resolve", "resolve_elasticities"]
