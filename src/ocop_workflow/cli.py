"""The ``ocop-workflow`` command line.

``ocop-workflow simulate PLAN.toml --runs N --seed S [--engine fast|reference] [--out FILE.csv]``
prints a summary table with a legend line per row and each target's probability in words;
``ocop-workflow --version`` prints the installed version. The simulation needs the ``sim`` extra.

``ocop-workflow store export|import URL FILE`` writes a store's dossiers to a JSON lines file, or
adds those of a file (all or none; a bad line is named with its number); the ``store`` extra.

Exit status: 0 on success; 2 for bad input (a bad plan file, an ``--out`` file that cannot be
written, a run larger than this machine's memory: all checked before the runs start), each with
one error line; 1 when writing ``--out`` fails after the runs; 130 on Ctrl-C, with one line and no
traceback. ``--out`` is written to a temporary file in the same folder and renamed over the
target only when complete, so a failed or interrupted run leaves no partial file.

Each subcommand is two small functions, one adding its arguments and one running it, listed in
:data:`COMMANDS`: adding a subcommand is adding a pair there.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import IO

from ocop_workflow._files import atomic_target
from ocop_workflow.errors import OcopError

__all__ = ["COMMANDS", "main", "memory_available", "write_atomically"]

PROG = "ocop-workflow"
INTERRUPTED = 130
"""The exit status of a run stopped by Ctrl-C (128 + SIGINT, the shells' convention)."""

Run = Callable[[argparse.Namespace], int]
"""A subcommand's body: the parsed arguments in, the exit status out."""
AddCommand = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
"""Adds one subcommand's parser (and sets its ``run`` default to its :data:`Run`)."""


def _fail(message: str, status: int = 2) -> int:
    """Print one error line and return ``status``."""
    print(f"{PROG}: {message}", file=sys.stderr)
    return status


def _version() -> str:
    try:
        return metadata.version("ocop-workflow")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown (not installed)"


# -- writing files ----------------------------------------------------------------------------


def _unwritable(out: str) -> str | None:
    """Why ``out`` cannot be written, or ``None`` when it can."""
    target = Path(out)
    folder = target.parent  # "." for a bare file name
    if not folder.is_dir():
        return (
            f"'--out' must be in an existing folder, and {str(folder)!r} is not one (got {out!r})"
        )
    if target.is_dir():
        return f"'--out' must be a file, not a folder (got {out!r})"
    if not os.access(folder, os.W_OK | os.X_OK) or (
        target.exists() and not os.access(target, os.W_OK)
    ):
        return f"'--out' cannot be written: permission denied (got {out!r})"
    return None


def write_atomically(target: Path, write: Callable[[IO[str]], object]) -> None:
    """Call ``write`` with a UTF-8 text handle on a temporary file beside ``target``, then
    rename it over ``target``; on any failure or interruption ``target`` is left as it was and
    no temporary file remains (:func:`ocop_workflow._files.atomic_target`)."""
    with (
        atomic_target(target) as temporary,
        temporary.open("w", encoding="utf-8", newline="") as stream,
    ):
        write(stream)


# -- memory -----------------------------------------------------------------------------------


def _read_number(path: str, field: str | None = None) -> int | None:
    """A number from a kernel file (``field`` picks a ``/proc/meminfo`` line, in KiB)."""
    try:
        with open(path, encoding="ascii") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return None
    if field is None:
        value = text.strip()
        return int(value) if value.isdigit() else None
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if name == field and parts and parts[0].isdigit():
            return int(parts[0]) * 1024
    return None


def memory_available() -> int | None:
    """Bytes this process can still take: the kernel's estimate of available memory (Linux
    ``MemAvailable``, else the physical memory), capped by a cgroup v2 limit if one is set;
    ``None`` when the system does not say."""
    found = _read_number("/proc/meminfo", "MemAvailable")
    if found is None:
        with contextlib.suppress(ValueError, OSError, AttributeError):
            found = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    limit = _read_number("/sys/fs/cgroup/memory.max")
    used = _read_number("/sys/fs/cgroup/memory.current")
    if limit is not None:
        room = limit - (used or 0)
        found = room if found is None else min(found, room)
    return found


# -- simulate ---------------------------------------------------------------------------------


def _add_simulate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sim = commands.add_parser(
        "simulate",
        help="Monte Carlo runs of a provincial plan",
        description="Run a provincial OCOP plan many times and summarise the outcomes.",
    )
    sim.add_argument("plan", help="plan file (TOML, see docs/plan-format.md)")
    sim.add_argument("--runs", type=int, default=1000, help="number of runs (default 1000)")
    sim.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sim.add_argument("--engine", choices=("fast", "reference"), default="fast")
    sim.add_argument("--out", help="write one row per run to this CSV file")
    sim.set_defaults(run=_simulate)


def _simulate(args: argparse.Namespace) -> int:
    try:
        from tqdm import tqdm

        from ocop_workflow.simulation import Plan, simulate
        from ocop_workflow.simulation.run import format_bytes, memory_needed
    except ImportError as error:
        return _fail(
            f"simulation needs the 'sim' extra ({error.name} is missing): "
            'pip install "ocop-workflow[sim]"'
        )
    problem = None if args.out is None else _unwritable(args.out)
    if problem is not None:
        return _fail(problem)
    try:
        plan = Plan.from_toml(args.plan)
        needed = memory_needed(plan, args.runs, args.engine)
        available = memory_available()
        if available is not None and needed > available:
            return _fail(
                f"'--runs' {args.runs} would need about {format_bytes(needed)} of memory, and "
                f"this machine has {format_bytes(available)} available: use fewer runs"
            )
        # The bar shows only when the run takes longer than a second (tqdm's delay), and is
        # cleared at the end so that an interruption leaves one line.
        with tqdm(total=args.runs, unit="run", delay=1.0, file=sys.stderr, leave=False) as bar:
            result = simulate(
                plan, runs=args.runs, seed=args.seed, engine=args.engine, progress=bar.update
            )
    except OcopError as error:
        return _fail(str(error))
    years = "-".join(dict.fromkeys(str(y) for y in (plan.years[0], plan.years[-1])))
    print(f"{plan.province} {years}: {args.runs} runs, seed {args.seed}, {args.engine} engine")
    summary = result.summary().round(2)
    print(summary.to_string())
    legend = result.legend("en")
    width = max(len(str(name)) for name in summary.index)
    print()
    print(legend["columns"])
    for name in summary.index:
        print(f"  {name:<{width}}  {legend[name]}")
    if plan.targets:
        print()
        for target in plan.targets:
            print(result.target_line(target.name, "en"))
    if args.out:
        try:
            write_atomically(Path(args.out), result.per_run.to_csv)
        except OSError as error:
            reason = error.strerror or str(error)
            return _fail(f"'--out' cannot be written: {reason} (got {args.out!r})", 1)
        print(f"\nper-run results written to {args.out}")
    return 0


# -- store ------------------------------------------------------------------------------------


def _add_store(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    store = commands.add_parser("store", help="export or import a store's dossiers as JSON lines")
    store.add_argument("action", choices=("export", "import"))
    store.add_argument("url", help="the store's database URL, e.g. sqlite:///ocop.db")
    store.add_argument("file", help="JSON lines file, one dossier document per line ('-': stdio)")
    store.set_defaults(run=_store)


def _store(args: argparse.Namespace) -> int:
    """``store export|import URL FILE``: the JSON lines exchange (the ``store`` extra)."""
    try:
        from ocop_workflow.store import Store
    except ImportError as error:
        return _fail(
            f"the store needs the 'store' extra ({error.name} is missing): "
            'pip install "ocop-workflow[store]"'
        )
    try:
        with Store(args.url) as store:
            if args.action == "export":
                if args.file == "-":
                    count = store.export_jsonl(sys.stdout)
                else:
                    count = store.export_jsonl(args.file)
                    print(f"{count} dossiers exported to {args.file}")
            else:
                count = len(store.import_jsonl(sys.stdin if args.file == "-" else args.file))
                print(f"{count} dossiers imported from {args.file}")
    except OSError as error:
        return _fail(f"{args.file!r} cannot be written: {error.strerror}")
    except OcopError as error:
        return _fail(str(error))
    return 0


# -- the command ------------------------------------------------------------------------------

COMMANDS: tuple[AddCommand, ...] = (_add_simulate, _add_store)
"""The subcommands, each a function adding its parser (with its ``run``)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Vietnam's OCOP evaluation workflow.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (130 after Ctrl-C, with one line)."""
    try:
        args = _parser().parse_args(argv)
        run: Run = args.run
        return run(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
