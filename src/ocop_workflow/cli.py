"""The ``ocop-workflow`` command line.

``ocop-workflow simulate PLAN.toml --runs N --seed S [--engine fast|reference] [--out FILE.csv]``
prints a summary table and the targets' probabilities; a bad plan file, or an ``--out`` file that
cannot be written (checked before the runs), gets one clear error line and exit status 2. The
simulation needs the ``sim`` extra.

``ocop-workflow store export|import URL FILE`` writes a store's dossiers to a JSON lines file, or
adds those of a file (all or none; a bad line is named with its number); the ``store`` extra.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ocop_workflow.errors import OcopError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ocop-workflow", description="Vietnam's OCOP evaluation workflow."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    sim = commands.add_parser("simulate", help="Monte Carlo runs of a provincial plan")
    sim.add_argument("plan", help="plan file (TOML, see docs/plan-format.md)")
    sim.add_argument("--runs", type=int, default=1000, help="number of runs (default 1000)")
    sim.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sim.add_argument("--engine", choices=("fast", "reference"), default="fast")
    sim.add_argument("--out", help="write one row per run to this CSV file")
    store = commands.add_parser("store", help="export or import a store's dossiers as JSON lines")
    store.add_argument("action", choices=("export", "import"))
    store.add_argument("url", help="the store's database URL, e.g. sqlite:///ocop.db")
    store.add_argument("file", help="JSON lines file, one dossier document per line ('-': stdio)")
    return parser


def _unwritable(out: str) -> str | None:
    """Why the per-run CSV cannot be written to ``out``, or ``None`` when it can."""
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "store":
        return _store(args)
    try:
        from tqdm import tqdm

        from ocop_workflow.simulation import Plan, simulate
    except ImportError as error:
        print(
            f"ocop-workflow: simulation needs the 'sim' extra ({error.name} is missing): "
            'pip install "ocop-workflow[sim]"',
            file=sys.stderr,
        )
        return 2
    problem = None if args.out is None else _unwritable(args.out)
    if problem is not None:
        print(f"ocop-workflow: {problem}", file=sys.stderr)
        return 2
    try:
        plan = Plan.from_toml(args.plan)
        # The bar shows only when the run takes longer than a second (tqdm's delay).
        with tqdm(total=args.runs, unit="run", delay=1.0, file=sys.stderr) as bar:
            result = simulate(
                plan,
                runs=args.runs,
                seed=args.seed,
                engine=args.engine,
                progress=bar.update,
            )
    except OcopError as error:
        print(f"ocop-workflow: {error}", file=sys.stderr)
        return 2
    years = "-".join(dict.fromkeys(str(y) for y in (plan.years[0], plan.years[-1])))
    print(f"{plan.province} {years}: {args.runs} runs, seed {args.seed}, {args.engine} engine")
    print(result.summary().round(2).to_string())
    if plan.targets:
        print()
        print(result.targets().to_string())
    if args.out:
        try:
            result.per_run.to_csv(args.out)
        except OSError as error:
            print(
                f"ocop-workflow: '--out' cannot be written: {error.strerror} (got {args.out!r})",
                file=sys.stderr,
            )
            return 1
        print(f"\nper-run results written to {args.out}")
    return 0


def _store(args: argparse.Namespace) -> int:
    """``store export|import URL FILE``: the JSON lines exchange (the ``store`` extra)."""
    try:
        from ocop_workflow.store import Store
    except ImportError as error:
        print(
            f"ocop-workflow: the store needs the 'store' extra ({error.name} is missing): "
            'pip install "ocop-workflow[store]"',
            file=sys.stderr,
        )
        return 2
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
        print(f"ocop-workflow: {args.file!r} cannot be written: {error.strerror}", file=sys.stderr)
        return 2
    except OcopError as error:
        print(f"ocop-workflow: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
