"""tariffsim: tariff scenario simulator (import package ``simulator``).

In a notebook: ``simulator.run``, ``compare``, ``path`` and ``explain`` (docs/API.md) return objects whose tables
are pandas DataFrames, with ``to_excel`` and ``plot`` methods.
"""

__version__ = "0.1.0"

__all__ = ["run", "compare", "path", "explain", "load_scenario", "load_dataset", "__version__"]


def __getattr__(name):
    # Keep `import simulator` light: the API pulls in pandas and scipy only when used.
    if name in ("run", "compare", "path", "explain"):
        from . import notebook
        return getattr(notebook, name)
    if name in ("load_scenario", "load_dataset"):
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'simulator' has no attribute '{name}'")
