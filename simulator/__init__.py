"""tariffsim: tariff scenario simulator (import package ``simulator``)."""

__version__ = "0.1.0"


def __getattr__(name):
    # Keep `import simulator` light: the API pulls in pandas and scipy only when used.
    if name in ("run", "load_scenario", "load_dataset"):
        from . import api
        return {"run": api.run, "load_scenario": api.load_scenario, "load_dataset": api.load_dataset}[name]
    raise AttributeError(name)
