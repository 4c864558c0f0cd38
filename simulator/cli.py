"""The command line: parse, call the API, render. No numerics here.

Exit codes: 0 success, 1 bad scenario or data, 2 usage, 3 internal error (traceback with --debug).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import sys
import traceback
from collections.abc import Sequence
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from . import __version__
from .errors import printable
from .frames import records

try:                                  # typer vendors click from 0.2x on; before, it used click itself
    from typer._click import exceptions as click_errors
except ImportError:                   # pragma: no cover
    import click.exceptions as click_errors  # type: ignore[no-redef]


def _param_name(param) -> str | None:
    if param is None:
        return None
    if param.param_type_name == "argument":
        return (param.metavar or param.name or "").upper().strip("{}.") or None
    return max(param.opts, key=len)


def usage_line(exc) -> str:
    """A usage error as one line: what it is about (the option, the argument or the command), what is wrong and
    where the help is; for a missing argument, its name and what it is for."""
    ctx = exc.ctx
    names: list[str] = []
    while ctx is not None and ctx.parent is not None:      # the subcommands, whatever the program is called
        names.insert(0, ctx.info_name)
        ctx = ctx.parent
    command = " ".join(["tariffsim", *names])
    message = exc.message.rstrip(".").removeprefix("Value error, ")
    subject: str | None = command
    if isinstance(exc, click_errors.MissingParameter) and exc.param is not None:
        subject = _param_name(exc.param)
        kind = "argument" if exc.param.param_type_name == "argument" else "option"
        purpose = getattr(exc.param, "help", None)
        message = f"missing {kind}" + (f" ({purpose.rstrip('.')})" if purpose else "")
    elif isinstance(exc, click_errors.BadParameter):
        hint = exc.param_hint if exc.param_hint is not None else _param_name(exc.param)
        if isinstance(hint, (list, tuple)):
            hint = max(hint, key=len)
        subject = str(hint or command).strip("'\"")
    elif isinstance(exc, (click_errors.NoSuchOption, click_errors.BadOptionUsage)):
        subject = exc.option_name
    return printable(f"{subject}: {message}; see '{command} --help'")


_NO_ARGS = getattr(click_errors, "NoArgsIsHelpError", ())


class _Group(TyperGroup):
    """Usage errors printed as one line naming the option or argument (click's own is a box of several lines that,
    for a missing argument, may not say which); every other outcome as typer has it."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False,
                              windows_expand_args=windows_expand_args, **extra)
        except _NO_ARGS as exc:          # 'tariffsim' alone: the help (typer prints it; click returns it)
            if exc.message.strip():
                err.print(exc.message, markup=False)
            rv = 2
        except click_errors.UsageError as exc:
            err.print(f"error: {usage_line(exc)}", markup=False)
            rv = exc.exit_code
        except click_errors.ClickException as exc:
            err.print(f"error: {printable(exc.format_message())}", markup=False)
            rv = exc.exit_code
        except typer.Abort:
            err.print("aborted", markup=False)
            rv = 1
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


# Help is printed as written (rich_markup_mode=None): rich markup would drop '[data]' from "Override [data] basis" and
# turn the ':END:' of "START:END:STEP" into an emoji. -h is --help on every command.
HELP_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(cls=_Group, add_completion=True, rich_markup_mode=None, no_args_is_help=True,
                  pretty_exceptions_enable=False, context_settings=HELP_SETTINGS,
                  help="tariffsim: simulate tariff scenarios on HS-coded trade flows.")
data_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Bundled datasets and their sources.")
app.add_typer(data_app, name="data")

# Piped or redirected output gets a fixed width wide enough for the tables.
# emoji=False: text such as "2025-01-01:end:..." is printed as written, not with ':end:' turned into a picture.
# piped output keeps a fixed width (132) unless COLUMNS says otherwise; a terminal is measured
out = Console(highlight=False, soft_wrap=False, emoji=False,
              width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 132)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
STATE = {"debug": False, "progress": True}


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    xlsx = "xlsx"            # a workbook: with -o only (run and compare)


class Detail(str, Enum):
    products = "products"


# The API names its parameters; the command line shows them as the options that set them.
OPTION_OF_PARAMETER = {"importer": "--importer", "exporter": "--exporter", "hs_prefix": "--hs", "step": "--path",
                       "end": "--path", "flows": "--flows", "hs_level": "--hs-level", "year": "--year"}


def _as_shown(problem) -> str:
    """A problem as the user reads it: an API parameter named by its option."""
    if problem.where in OPTION_OF_PARAMETER:
        problem = dataclasses.replace(problem, where=OPTION_OF_PARAMETER[problem.where])
    return str(problem)


@contextmanager
def _handled():
    """Turn our errors into readable lines and exit codes; never a traceback unless --debug."""
    from .errors import InputError
    try:
        yield
    except InputError as exc:
        for p in exc.problems:
            err.print(f"error: {_as_shown(p)}", markup=False)        # str(p) escapes control characters
        raise typer.Exit(1)
    except (typer.Exit, typer.BadParameter, typer.Abort):
        raise
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(130)
    except OSError as exc:
        if exc.filename is None:
            _internal_error(exc)
        # a file the user named that cannot be read or written: a name too long, no access, a full disk
        reason = (exc.strerror or type(exc).__name__).lower()
        err.print(f"error: {printable(str(exc.filename))}: cannot be read or written ({reason})", markup=False)
        raise typer.Exit(1)
    except Exception as exc:
        _internal_error(exc)


def _internal_error(exc: BaseException):
    """An internal fault: say so, keep the traceback for --debug."""
    if STATE["debug"]:
        traceback.print_exc()
    else:
        err.print(printable(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)"),
                  markup=False)
    raise typer.Exit(3)


def _version(value: bool):
    if value:
        print(f"tariffsim {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
    version: Annotated[bool | None, typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Print the version and exit.")] = None,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bars (drawn on stderr, and only "
                                              "when it is a terminal, for draws, large flows files and --path).")] = False,
):
    STATE["debug"] = debug
    STATE["progress"] = not no_progress


PROGRESS_ENV = "TARIFFSIM_PROGRESS"      # off: never; on: even when stderr is not a terminal; unset: on a terminal


@contextmanager
def _progress():
    """Progress bars on stderr while the work inside runs; yields the plain callback the API tells them to
    (simulator.progress), or None when there are no bars: with --no-progress, TARIFFSIM_PROGRESS=off, or when
    stderr is not a terminal (pipes, files, CI), unless TARIFFSIM_PROGRESS=on. Nothing goes to stdout, and the bars
    are cleared when the work is done."""
    setting = os.environ.get(PROGRESS_ENV, "").strip().lower()
    forced = setting in ("1", "on", "yes", "true", "always")
    if not STATE["progress"] or setting in ("0", "off", "no", "false", "never") or not (forced or sys.stderr.isatty()):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, force_terminal=True if forced else None, highlight=False, emoji=False)
    bars = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True, redirect_stdout=False)
    tasks: dict[str, Any] = {}

    def told(task: str, done: int, total: int) -> None:
        if not tasks:                   # drawn from the first news of long work on, not for short commands
            bars.start()
        if task not in tasks:
            tasks[task] = bars.add_task(printable(task), total=total)
        bars.update(tasks[task], completed=done, total=total, refresh=True)

    try:
        yield told
    finally:
        if tasks:
            bars.stop()


def _draws(n: int | None, seed: int, dask: str | None):
    if n is None and seed != 0:      # a seed without draws would be silently ignored
        raise typer.BadParameter("--seed seeds the draws of the elasticities: give --draws N with it", param_hint="--seed")
    if n is None:
        if dask is not None:
            raise typer.BadParameter("--dask distributes draws or scenarios: give --draws N (run) or use compare",
                                     param_hint="--dask")
        return None
    from .uncertainty import Draws
    return Draws(n, seed)


@contextmanager
def _dask_client(address: str | None):
    """A Dask client for --dask: a local cluster ('local') or an existing scheduler; none without the option."""
    if address is None:
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        from .errors import InputError, Problem
        raise InputError(Problem(None, "--dask", "Dask is not installed: pip install 'tariffsim[dask]'"))
    if address == "local":
        import logging
        # the web server on a free port: Dask's default, 8787, may be held by another cluster
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0",
                          silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
            yield client
    else:
        from .errors import InputError, Problem
        try:
            client = Client(address, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:   # ValueError: not an address ('x')
            raise InputError(Problem(None, "--dask", f"no Dask scheduler answered at '{address}' ({type(exc).__name__}); "
                                     "give 'local' or the address of a running scheduler, e.g. tcp://host:8786"))
        with client:
            yield client


def _output_format(format: Format | None, output: Path | None, excel: bool = False) -> str:
    """--format if given, else the -o file's suffix, else a table. ``excel``: the command can write a workbook."""
    fmt = format.value if format is not None else None
    if fmt is None and output is not None:
        from .report import format_from_suffix
        fmt = "xlsx" if output.suffix.lower() == ".xlsx" else format_from_suffix(output)
        if fmt is None:
            raise typer.BadParameter(f"cannot tell the format from '{output.name}'; use .json, .csv, .md"
                                     f"{', .xlsx' if excel else ''} or --format", param_hint="--output")
    if fmt == "xlsx":
        if not excel:
            raise typer.BadParameter("an Excel workbook is written by 'run' and 'compare' only; use .csv or .json here",
                                     param_hint="--output" if format is None else "--format")
        if output is None:
            raise typer.BadParameter("a workbook is not printed: give -o FILE.xlsx", param_hint="--format")
    return fmt or "table"


def _parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not a date (use YYYY-MM-DD)", param_hint="--as-of")


@app.command()
def run(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario TOML file.")],
    format: Annotated[Format | None, typer.Option("--format", "-f", help="Output format (default: table, or from the -o suffix).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (.json, .csv, .md, or .xlsx for an Excel workbook) instead of stdout.")] = None,
    basis: Annotated[str | None, typer.Option("--basis", help="Override [data] basis: census-2024, kcs-2024 or itemised.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluate dated measures as of this date (YYYY-MM-DD).")] = None,
    detail: Annotated[Detail | None, typer.Option("--detail", help="Add the per-flow 'products' table.")] = None,
    path: Annotated[str | None, typer.Option("--path", help="Evaluate on a series of dates: START:END:STEP, e.g. "
                                                "2025-01-01:2026-01-01:monthly (step: daily, weekly, monthly, quarterly, yearly).")] = None,
    draws: Annotated[int | None, typer.Option("--draws", min=1, max=100_000, help="Add 5/50/95 percentile bands from this many "
                                                 "draws of the elasticities.")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the draws, 0 or more (the same seed gives the same bands).")] = 0,
    dask: Annotated[str | None, typer.Option("--dask", help="Run the draws on Dask: 'local' starts a local "
                                                "cluster, or give a scheduler address (tcp://host:8786).")] = None,
):
    """Run a scenario and report trade, balances, tariff revenue and welfare before and after."""
    when = _parse_date(as_of)
    if path is not None and as_of is not None:
        raise typer.BadParameter("use either --as-of or --path", param_hint="--path")
    if path is not None and (draws is not None or detail is not None):   # never an option silently ignored
        raise typer.BadParameter("a path reports headline figures by date: it takes no --draws or --detail; "
                                 "run the dates you need one by one with --as-of", param_hint="--path")
    fmt = _output_format(format, output, excel=path is None)
    if detail is not None and fmt == "table":
        raise typer.BadParameter("the per-flow products table is written with -f csv, json, markdown or -o FILE.xlsx, "
                                 "not on the terminal", param_hint="--detail")
    with _handled():
        from . import api
        from .report import check_finite, render
        from .report.terminal import renderable

        sf = api.load_scenario(file)
        _check_basis(basis, [sf])
        sf = api.with_basis(sf, basis)
        _refuse_inputs(output, sf.inputs())
        if path is not None:
            _run_path(sf, path, fmt, output)
            return
        how_many = _draws(draws, seed, dask)          # before a Dask cluster is started for nothing
        with _dask_client(dask) as client, _progress() as progress:
            result, warnings = api.run(sf, as_of=when, draws=how_many, client=client, progress=progress)
        _warn(warnings)
        if fmt == "table":
            check_finite(result, None)
            _emit(output, table=renderable(result))
        elif fmt == "xlsx":
            from .report import excel
            check_finite(result, None)
            _write_workbook(output, excel.result_workbook(result, warnings, detail.value if detail else None))
        else:
            _emit(output, text=render(result, fmt, detail.value if detail else None))


@app.command()
def compare(
    files: Annotated[list[Path], typer.Argument(metavar="FILES...", help="Two or more scenario TOML files; deltas are against the first.")],
    format: Annotated[Format | None, typer.Option("--format", "-f", help="Output format (default: table, or from the -o suffix).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (.json, .csv, .md, or .xlsx for an Excel workbook).")] = None,
    basis: Annotated[str | None, typer.Option("--basis", help="Override every file's [data] basis.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluate every scenario on this date (YYYY-MM-DD).")] = None,
    draws: Annotated[int | None, typer.Option("--draws", min=1, max=100_000, help="Add 5/50/95 percentile bands from this many "
                                                 "draws of the elasticities (the same draws for every scenario).")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the draws, 0 or more.")] = 0,
    dask: Annotated[str | None, typer.Option("--dask", help="Run the scenarios as a sweep on Dask: 'local' or a "
                                                "scheduler address.")] = None,
    label: Annotated[list[str] | None, typer.Option("--label", help="A column label, one per scenario in order "
                                                    "(give --label once per file).")] = None,
):
    """Run several scenarios and show them side by side, with deltas against the first."""
    when = _parse_date(as_of)
    if len(files) < 2:
        raise typer.BadParameter("give at least two scenario files", param_hint="FILES")
    if label is not None:
        if len(label) != len(files):
            raise typer.BadParameter(f"{len(label)} label(s) for {len(files)} scenario files; give one --label per file",
                                     param_hint="--label")
        if len(set(label)) != len(label) or any(not x.strip() for x in label):
            raise typer.BadParameter("labels must be distinct and not empty", param_hint="--label")
    fmt = _output_format(format, output, excel=True)
    with _handled():
        from . import api
        from .report import compare as render_compare
        if output is not None or basis is not None:
            _load_scenarios(files, basis, output)          # every file's problems, --basis and -o checked first
        how_many = _draws(draws, seed, None)          # compare may sweep on Dask without draws
        with _dask_client(dask) as client, _progress() as progress:
            cmp, warnings = api.compare(files, as_of=when, basis=basis, draws=how_many, client=client,
                                        progress=progress)
        if label is not None:
            import dataclasses
            cmp = dataclasses.replace(cmp, names=tuple(label))
        _warn(warnings)
        from .report import check_finite
        for result in cmp.results:
            check_finite(result, None)
        if fmt == "xlsx":
            from .report import excel
            _write_workbook(output, excel.comparison_workbook(cmp, warnings))
            return
        if fmt == "table":       # long where the terminal is narrow; a file at a fixed width
            _emit(output, table=render_compare.renderable(cmp, width=None if output else out.width), width=160)
            return
        _emit_with(render_compare, cmp, fmt, output, width=160)


def _parse_path(text: str) -> tuple[dt.date, dt.date, str]:
    parts = text.split(":")
    if len(parts) != 3:
        raise typer.BadParameter(f"'{text}' is not START:END:STEP (e.g. 2025-01-01:2026-01-01:monthly)", param_hint="--path")
    start, end = _parse_date(parts[0]), _parse_date(parts[1])
    assert start is not None and end is not None         # parsed from text: a date or an error
    return start, end, parts[2]


def _run_path(sf, text: str, fmt: str, output: Path | None):
    from . import api
    from .report.explain import path_renderable, path_text
    start, end, step = _parse_path(text)
    with _progress() as progress:      # the dates are run as the output reads them: the bars until it has all
        series, warnings = api.path(sf, api.dates(start, end, step), progress)
        _warn(warnings)
        # the path's table refuses an infinity (report.explain.path_frame): what every path writer prints
        if fmt == "table":
            table, written = path_renderable(series, sf.spec.name), None
        else:
            table, written = None, path_text(series, fmt, {"scenario": sf.spec.name, "file": sf.path.name,
                                                           "sha256": sf.sha256})
    _emit(output, table=table, text=written)


def _warn(warnings: list[str], as_errors: bool = False) -> None:
    for w in warnings:
        err.print(printable(f"{'error' if as_errors else 'warning'}: {w}"), markup=False)


def _refuse_inputs(output: Path | None, inputs) -> None:
    """-o must not name a directory ('', '.') or a file the run reads: writing it would destroy the input."""
    from .errors import InputError, Problem
    if output is None:
        return
    if output.is_dir():
        raise InputError(Problem(None, "--output", f"'{output}' is a directory; give a file name"))
    if any(_same_file(Path(output), Path(p)) for p in inputs):
        raise InputError(Problem(str(output), None, "is a file this run reads (a scenario, a file it extends, its flows "
                                 "or a source): choose another output file"))


def _same_file(a: Path, b: Path) -> bool:
    """One file under two names: the same path, a symbolic link to it or a hard link (the same inode)."""
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except (OSError, RuntimeError):        # a link loop or an unreadable path: it cannot be an input either
        return False


def _check_basis(basis: str | None, scenarios) -> None:
    """--basis against what the scenarios' data offers, so that a wrong value is blamed on the option, not on the
    [data] section of a file."""
    if basis is None:
        return
    from .data import BUNDLED, kor_usa
    from .errors import InputError, Problem, suggest
    for sf in scenarios:
        bundled = sf.spec.data.flows in BUNDLED
        choices = list(kor_usa.BASES) if bundled else ["as-given"]
        if basis in choices:
            continue
        given = f"'{basis}'" if basis.strip() else "an empty basis"
        if not bundled:
            raise InputError(Problem(None, "--basis", f"{given}: a basis applies to bundled datasets only; a user's flows "
                                     f"file ({sf.spec.data.flows}) is used as given (omit --basis or give as-given)"))
        raise InputError(Problem(None, "--basis", f"unknown basis {given} for {sf.spec.data.flows}"
                                 f"{suggest(basis, choices)}; choose one of {', '.join(choices)}"))


def _emit_with(renderer, value, fmt: str, output: Path | None, width: int) -> None:
    """``value`` through a report module that has renderable, to_json, to_csv and to_markdown."""
    if fmt == "table":
        _emit(output, table=renderer.renderable(value), width=width)
    else:
        _emit(output, text=getattr(renderer, {"json": "to_json", "csv": "to_csv", "markdown": "to_markdown"}[fmt])(value))


def _write_workbook(output: Path | None, content: bytes) -> None:
    from .report import excel
    assert output is not None, "a workbook goes to -o (checked with the options)"
    excel.write(output, content)
    err.print(printable(f"wrote {output}"), markup=False)


def _emit(output: Path | None, table=None, text: str | None = None, width: int = 140) -> None:
    """Print a rich table or a text output, or write it atomically to -o (a table at a fixed width)."""
    from .report import write_atomic
    if table is not None:
        if output is None:
            out.print(table)
            return
        buf = io.StringIO()
        Console(file=buf, width=width, highlight=False, emoji=False).print(table)
        text = buf.getvalue()
    assert text is not None, "a table or a text to emit"
    if output is None:
        sys.stdout.write(text)
        return
    write_atomic(output, text)
    err.print(printable(f"wrote {output}"), markup=False)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(metavar="FILES...", help="Scenario TOML files.")],
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings (e.g. a rule that matches no flow) as errors.")] = False,
):
    """Check scenario files against the language and their data, without running the model; report every problem
    in every file."""
    from .errors import InputError
    bad = False
    with _handled():
        from . import api
        for f in files:
            try:
                with _progress() as progress:
                    warnings = api.validate(f, progress=progress)   # the language, the data, the rates; no solve
                _warn(warnings, as_errors=strict)
                if strict and warnings:
                    bad = True
                    continue
                err.print(printable(f"ok: {f}"), markup=False)
            except InputError as exc:
                bad = True
                for p in exc.problems:
                    err.print(f"error: {_as_shown(p)}", markup=False)
    if bad:
        raise typer.Exit(1)


@app.command()
def new(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The scenario file to write, e.g. my-deal.toml.")],
    base: Annotated[Path | None, typer.Option("--base", help="The scenario to extend (default: scenarios/in-force.toml, "
                                              "the measures in force, from the source tree).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
):
    """Write a starter scenario that extends the measures in force, with the ids of the instruments it can override
    in comments and an example override."""
    from .errors import InputError, Problem
    with _handled():
        from . import api
        from .report import write_atomic
        from .scenario import starter
        if base is None:
            base = starter.default_base(Path(__file__).resolve().parents[1], Path.cwd())
            if base is None:
                raise InputError(Problem(None, "--base", f"no {starter.BASE.as_posix()} (the measures in force) beside "
                                         "the package or under this folder; give the scenario to extend"))
        if file.is_dir():
            raise InputError(Problem(str(file), None, "is a directory; give a file name"))
        sf = api.load_scenario(base)
        if any(_same_file(file, p) for p in sf.files):
            raise InputError(Problem(str(file), None, "is a file the new scenario would extend; choose another file"))
        if file.exists() and not force:
            raise InputError(Problem(str(file), None, "exists; give --force to overwrite it"))
        write_atomic(file, starter.starter(file, sf))
        err.print(printable(f"wrote {file}: extends {starter.extends_path(file, sf.path)}; tariffsim validate {file} "
                            "checks it"), markup=False)


@app.command()
def explain(
    files: Annotated[list[Path], typer.Argument(metavar="FILES...", help="Scenario TOML file(s); with several, the rate in each is summarised.")],
    importer: Annotated[str, typer.Option("--importer", help="Importing country, e.g. USA.")],
    exporter: Annotated[str, typer.Option("--exporter", help="Exporting country, e.g. KOR.")],
    hs: Annotated[str, typer.Option("--hs", help="HS prefix, e.g. 8703 (every flow under it is explained).")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluate dated instruments on this date (YYYY-MM-DD).")] = None,
    format: Annotated[Format | None, typer.Option("--format", "-f", help="table (default), json, csv or markdown.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Explain at most this many flows (largest first).")] = 20,
):
    """Show every preference, measure, exemption and stacking rule that set one flow's rate, in order."""
    when = _parse_date(as_of)
    if format is not None and format.value == "xlsx":
        raise typer.BadParameter("explain prints a table, json, csv or markdown", param_hint="--format")
    with _handled():
        from . import api
        from .report.explain import explanation_json, explanation_renderable, history_json, history_renderable
        explanations = [api.explain(f, importer.upper(), exporter.upper(), hs, when, limit) for f in files]
        if format is not None and format.value in ("csv", "markdown"):
            from .report.explain import explanations_csv, explanations_markdown
            render = explanations_csv if format.value == "csv" else explanations_markdown
            sys.stdout.write(render(explanations, [f.name for f in files]))
            return
        as_json = format is not None and format.value == "json"
        if len(explanations) == 1:
            if as_json:
                sys.stdout.write(explanation_json(explanations[0]))
            else:
                out.print(explanation_renderable(explanations[0]))
            return
        if as_json:
            sys.stdout.write(history_json(explanations, [str(f) for f in files]))
            return
        for ex in explanations:
            out.print(explanation_renderable(ex))
        out.print(history_renderable(explanations, [f.name for f in files]))


@app.command()
def backtest(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A scenario of the measures in force, e.g. scenarios/in-force.toml.")],
    year: Annotated[int, typer.Option("--year", min=2025, max=2025, help="The year to test (the realised data covers 2025).")] = 2025,
    format: Annotated[Format | None, typer.Option("--format", "-f", help="Output format (default: table, or from the -o suffix).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (.json, .csv, .md) instead of stdout.")] = None,
):
    """Modelled against realised, month by month: US customs duties, imports, the effective tariff, and imports
    from Korea, China, Japan, Germany and Taiwan (Treasury and Census)."""
    fmt = _output_format(format, output)
    with _handled():
        from . import api
        from . import backtest as bt_model
        from .report import backtest as bt_report
        sf = api.load_scenario(file)
        _refuse_inputs(output, sf.inputs())
        bt, warnings = bt_model.run(sf, year)
        _warn(warnings)
        _emit_with(bt_report, bt, fmt, output, width=120)


@app.command()
def calibrate(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A scenario of the measures in force, e.g. scenarios/in-force.toml.")],
    format: Annotated[Format | None, typer.Option("--format", "-f", help="table (default) or json.")] = None,
):
    """Fit the import demand elasticity to the 2025 US effective tariff (April-August) and evaluate it on
    September-December; about a minute."""
    with _handled():
        from . import calibrate as fit
        from .report import calibration
        c = fit.run(file)
        if format is not None and format.value == "json":
            sys.stdout.write(calibration.to_json(c))
        elif format is not None and format.value != "table":
            raise typer.BadParameter("calibrate writes a table or json", param_hint="--format")
        else:
            out.print(calibration.renderable(c))


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the schema to this file (e.g. tariffsim.schema.json) instead of stdout.")] = None,
):
    """Print the JSON Schema (draft-07) of the scenario language, for editors: the types, ranges and required keys
    that validate checks (README: Editor support)."""
    with _handled():
        from .scenario import json_schema
        _emit(output, text=json_schema.text())


class ChartKind(str, Enum):
    path = "path"
    chapters = "chapters"
    balance = "balance"


class PathsOf(str, Enum):
    each = "each"
    first = "first"
    none = "none"


DEFAULT_PATH = "2025-01-01:2025-12-01:monthly"


def _suffix_format(output: Path, formats: dict[str, str]) -> str:
    """The output's format from its suffix, of those a command writes; a usage error naming -o otherwise."""
    fmt = formats.get(output.suffix.lower())
    if fmt is None:
        raise typer.BadParameter(f"cannot tell the format from '{output.name}'; use {' or '.join(formats)}",
                                 param_hint="--output")
    return fmt


def _load_scenarios(files: list[Path], basis: str | None, output: Path | None) -> list:
    """Every scenario file loaded (the problems of all of them reported), --basis checked and applied, and -o
    refused where it names a file the run reads."""
    from . import api
    from .errors import InputError
    scenarios, problems = [], []
    for f in files:
        try:
            scenarios.append(api.load_scenario(f))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    _check_basis(basis, scenarios)
    scenarios = [api.with_basis(sf, basis) for sf in scenarios]
    _refuse_inputs(output, [p for sf in scenarios for p in sf.inputs()])
    return scenarios


def _path_table(sf, text: str, progress=None):
    """A scenario's path table on the dates of a --path, the provenance of its first date, and its warnings."""
    from . import api
    from .report.explain import FirstDate, path_frame
    start, end, step = _parse_path(text)
    by_date, warnings = api.path(sf, api.dates(start, end, step), progress)
    first = FirstDate()
    table = path_frame(first.reading(by_date))         # refuses an infinity in what it holds
    return table, first.provenance, warnings


def _compared(scenarios: list, when: dt.date | None, draws: int | None, seed: int, progress=None):
    from . import api
    from .report import check_finite
    cmp, warnings = api.compare(scenarios, as_of=when, draws=_draws(draws, seed, None), progress=progress)
    for result in cmp.results:
        check_finite(result, None)
    return cmp, warnings


@app.command()
def plot(
    kind: Annotated[ChartKind, typer.Argument(metavar="KIND", help="path (the effective tariff by date), chapters "
                                              "(the HS chapters that move most) or balance (the bilateral balance "
                                              "before and after).")],
    files: Annotated[list[Path], typer.Argument(metavar="SCENARIO...", help="Scenario TOML file(s); a path chart "
                                                "takes one.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The chart file: .png or .svg.")],
    basis: Annotated[str | None, typer.Option("--basis", help="Override every file's data basis: "
                                                 "census-2024, kcs-2024 or itemised.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluate every scenario on this date (YYYY-MM-DD); "
                                                 "not with a path.")] = None,
    path: Annotated[str | None, typer.Option("--path", help=f"The dates of a path chart: start, end and step, e.g. "
                                                f"{DEFAULT_PATH} (the default).")] = None,
    draws: Annotated[int | None, typer.Option("--draws", min=1, max=100_000, help="Draw the 5-95% bands of this "
                                                 "many draws of the elasticities on the balance chart.")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the draws, 0 or more.")] = 0,
):
    """Draw a chart of one or more scenarios to a PNG or SVG file, with its data source on the bottom line."""
    when = _parse_date(as_of)
    fmt = _suffix_format(output, {".png": "png", ".svg": "svg"})
    if kind is ChartKind.path:
        if len(files) != 1:
            raise typer.BadParameter("a path chart is of one scenario: give one file ('tariffsim report' charts "
                                     "the path of each)", param_hint="SCENARIO")
        if as_of is not None:
            raise typer.BadParameter("use either --as-of or --path", param_hint="--path")
    elif path is not None:
        raise typer.BadParameter("the dates of a path are for 'plot path'", param_hint="--path")
    if draws is not None and kind is not ChartKind.balance:
        raise typer.BadParameter("the bands of the draws are drawn on the balance chart: use 'plot balance'",
                                 param_hint="--draws")
    with _handled():
        from .report import charts
        scenarios = _load_scenarios(files, basis, output)
        with _progress() as progress:
            if kind is ChartKind.path:
                table, provenance, warnings = _path_table(scenarios[0], path or DEFAULT_PATH, progress)
            else:
                cmp, warnings = _compared(scenarios, when, draws, seed, progress)
        _warn(warnings)
        fig = (charts.path_figure(table, scenarios[0].spec.name, provenance) if kind is ChartKind.path
               else charts.figure(kind.value, cmp.results))
        charts.write(output, fig, fmt)
        err.print(printable(f"wrote {output}"), markup=False)


@app.command()
def report(
    files: Annotated[list[Path], typer.Argument(metavar="FILES...", help="Scenario TOML file(s); deltas are "
                                                "against the first.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The page to write: .html.")],
    basis: Annotated[str | None, typer.Option("--basis", help="Override every file's data basis: "
                                                 "census-2024, kcs-2024 or itemised.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluate every scenario on this date (YYYY-MM-DD).")] = None,
    path: Annotated[str | None, typer.Option("--path", help="The dates of the path charts: start, end and step "
                                                "(daily, weekly, monthly, quarterly or yearly); "
                                                f"{DEFAULT_PATH} (the default).")] = None,
    paths: Annotated[PathsOf, typer.Option("--paths", help="Chart the path of each scenario, of the first, or "
                                              "none.")] = PathsOf.each,
    draws: Annotated[int | None, typer.Option("--draws", min=1, max=100_000, help="Add 5/50/95 percentile bands "
                                                 "from this many draws of the elasticities.")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the draws, 0 or more.")] = 0,
):
    """Write a brief of one or more scenarios as one self-contained HTML page: the headline figures 'compare'
    prints, charts, the measures in force with their legal references, and every warning and note."""
    when = _parse_date(as_of)
    _suffix_format(output, {".html": "html", ".htm": "html"})
    if paths is PathsOf.none and path is not None:   # dates of charts that are not drawn would be ignored
        raise typer.BadParameter("the dates of the path charts, which --paths none leaves out", param_hint="--path")
    path = path or DEFAULT_PATH
    if paths is not PathsOf.none:
        _parse_path(path)                            # a malformed --path before any scenario runs
    with _handled():
        from .report import brief
        scenarios = _load_scenarios(files, basis, output)
        with _progress() as progress:
            cmp, warnings = _compared(scenarios, when, draws, seed, progress)
            path_tables = []
            for sf in {"each": scenarios, "first": scenarios[:1], "none": []}[paths.value]:
                table, provenance, more = _path_table(sf, path, progress)
                warnings += [w for w in more if w not in warnings]
                path_tables.append((sf.spec.name, table, provenance))
        _warn(warnings)
        brief.write(output, brief.render(cmp, warnings, path_tables))
        err.print(printable(f"wrote {output}"), markup=False)


@data_app.command("list")
def data_list():
    """List the bundled datasets and files with their sources and licences."""
    with _handled():
        from .data import BUNDLED, catalog
        from .data.kor_usa import BASES, DEFAULT_BASIS
        from .report.plain import PlainTable as Table
        t = Table(title="Datasets (use as [data] flows)", title_justify="left")
        for c in ("id", "description", "bases"):
            t.add_column(c)
        for k, v in BUNDLED.items():
            t.add_row(k, v, ", ".join(b + (" (default)" if b == DEFAULT_BASIS else "") for b in BASES))
        out.print(t)
        t = Table(title="Bundled files (tariffsim data show ID)", title_justify="left")
        for c in ("id", "year", "basis", "units", "licence"):
            t.add_column(c, overflow="fold")
        for e in catalog.entries().values():
            t.add_row(e.id, e.year, e.basis, e.units, e.licence)
        out.print(t)


@data_app.command("show")
def data_show(entry: Annotated[str, typer.Argument(metavar="ID", help="A file id from 'tariffsim data list'.")]):
    """Show one bundled file's description, source, licence and hash."""
    from .errors import InputError, Problem, suggest
    with _handled():
        from .data import catalog
        entries = catalog.entries()
        if entry not in entries:
            raise InputError(Problem(None, "ID", f"no bundled file '{entry}'{suggest(entry, entries)}; "
                                     "tariffsim data list shows them"))
        e = entries[entry]
        for k in ("id", "path", "description", "source", "year", "basis", "units", "licence", "sha256"):
            out.print(f"[bold]{k}[/bold]: {getattr(e, k)}", soft_wrap=True)
        if e.columns:
            out.print(f"[bold]columns[/bold]: {', '.join(e.columns)}", soft_wrap=True)


@data_app.command("coverage")
def data_coverage(
    dataset: Annotated[str, typer.Argument(metavar="DATASET", help="A bundled dataset id or a flows file.")] = "kor-usa-2024",
    basis: Annotated[str | None, typer.Option("--basis", help="census-2024 (default), kcs-2024 or itemised.")] = None,
    region: Annotated[list[str] | None, typer.Option("--region", help="A region code your flows file uses (repeatable).")] = None,
    list_caveat: Annotated[str | None, typer.Option("--list", help="Print every line with this caveat as CSV "
                                                      "(residual, specific, rate-unknown, rate-averaged, rate-other-year, mfn-assumed, trq).")] = None,
):
    """Show what a dataset covers: itemised and residual value by direction, and the flows behind each caveat."""
    from .errors import InputError, Problem, suggest
    from .flows import FLAG_NAMES
    with _handled():
        from .data import coverage, load_dataset
        from .report.plain import PlainTable as Table
        if list_caveat is not None and list_caveat not in FLAG_NAMES:
            raise InputError(Problem(None, "--list", f"unknown caveat '{list_caveat}'{suggest(list_caveat, FLAG_NAMES)}; "
                                                     f"choose one of {', '.join(FLAG_NAMES)}"))
        ds = load_dataset(dataset, basis, base_dir=Path.cwd(), regions=tuple(region or ()), shown_as=dataset)
        if list_caveat is not None:
            sys.stdout.write(coverage.flagged(ds, list_caveat).to_csv(index=False))
            return
        out.print(f"[bold]{escape(printable(ds.id))}[/bold] · basis {escape(ds.basis)}: "
                  f"{escape(printable(ds.basis_label))}", soft_wrap=True)
        t = Table(title="Trade by direction, US$ billion", title_justify="left")
        for c in ("Exporter", "Importer", "Lines", "Itemised", "Residual", "Total"):
            t.add_column(c, justify="left" if c in ("Exporter", "Importer") else "right")
        for r in records(coverage.directions(ds)):
            t.add_row(r.exporter, r.importer, f"{r.lines:,}", f"{r.itemised / 1e9:,.3f}", f"{r.residual / 1e9:,.3f}",
                      f"{r.value / 1e9:,.3f}")
        out.print(t)
        t = Table(title="Data caveats (a line may carry several)", title_justify="left")
        for c in ("--list", "Caveat", "Lines", "US$ bn"):
            t.add_column(c, justify="left" if c in ("--list", "Caveat") else "right", overflow="fold")
        for r in records(coverage.caveats(ds)):
            t.add_row(r.name, r.caveat, f"{r.lines:,}", f"{r.value / 1e9:,.2f}")
        out.print(t)


@data_app.command("cache")
def data_cache(clear: Annotated[bool, typer.Option("--clear", help="Remove every entry (they are rebuilt when needed).")] = False):
    """Show where the built bundled data is kept between runs (TARIFFSIM_CACHE=off or a directory), or clear it."""
    with _handled():
        from .data import cache
        where = cache.directory()
        if where is None:
            out.print("cache: off (TARIFFSIM_CACHE=off); the bundled data is built in every run", markup=False)
            return
        if clear:
            out.print(f"removed {cache.clear()} entries from {where}", markup=False)
            return
        found = cache.entries()
        size = sum(f.stat().st_size for e in found for f in e.iterdir())
        current = sum(1 for e in found if e.parent.name == cache.key())
        out.print(f"cache: {where} ({len(found)} entries, {size / 1e6:,.1f} MB; {current} for this version and data)",
                  markup=False)


@data_app.command("import")
def data_import(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="Source format: baci, comtrade or census.")],
    source: Annotated[Path, typer.Argument(metavar="SOURCE", help="The downloaded file (BACI or Comtrade CSV, Census API JSON).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Flows file to write: .csv or .parquet.")],
    country_codes: Annotated[Path | None, typer.Option("--country-codes", help="The source's country code mapping: "
                             "BACI's country_codes_V*.csv; for Census a CSV cty_code,iso3; for Comtrade code,iso3.")] = None,
    concordance: Annotated[Path | None, typer.Option("--concordance", help="CSV from_hs,to_hs[,weight] converting "
                           "the source's HS revision.")] = None,
    hs_revision: Annotated[str | None, typer.Option("--hs-revision", help="The source's HS revision, recorded in "
                           "the notes (e.g. HS2017).")] = None,
    flows: Annotated[str | None, typer.Option("--flows", help="imports or exports: Comtrade rows to use (default "
                     "imports; exports are mirrored); Census: must match the file.")] = None,
    hs_level: Annotated[int | None, typer.Option("--hs-level", help="HS digits to keep (Comtrade, Census; "
                        "default 6).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Keep this year (needed if the file holds several).")] = None,
):
    """Convert a BACI, Comtrade or Census download into a flows file, to use as a scenario's data.flows."""
    with _handled():
        from .data import importers
        _refuse_inputs(output, [source, *(p for p in (country_codes, concordance) if p is not None)])
        importers.check_output(output)
        try:
            result = importers.convert(source, fmt, country_codes=country_codes, concordance=concordance,
                                       hs_revision=hs_revision, flows=flows, hs_level=hs_level, year=year)
        except RecursionError:             # JSON arrays in arrays thousands deep: no download is like that
            from .errors import InputError, Problem
            raise InputError(Problem(str(source), None, f"nested too deeply to be a {fmt} download"))
        importers.write(result, output)
        err.print(printable(importers.summary(result, output)), markup=False)
        for note in result.attrs.get("notes", []):
            err.print(printable(f"note: {note}"), markup=False)


def main():
    # UTF-8 whatever the console's encoding (cp949 on Korean Windows): the tables print arrows and minus signs. What
    # UTF-8 cannot encode (a file name of bytes that are no UTF-8, which Python holds as surrogates) is written as an
    # escape (\udcff), neither as raw bytes that are no UTF-8 nor as a crash.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    try:
        app()
    except KeyboardInterrupt:                 # Ctrl-C before a command's own handler is in place
        sys.stderr.write("interrupted\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
