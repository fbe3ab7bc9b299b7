"""``simulate``: run a plan with either engine, in process or on any executor."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor

import numpy as np

from ocop_workflow.errors import InvalidInput
from ocop_workflow.simulation.fast import run_fast
from ocop_workflow.simulation.model import IntArray, compile_plan
from ocop_workflow.simulation.plan import Plan
from ocop_workflow.simulation.reference import run_reference
from ocop_workflow.simulation.results import SimulationResult

__all__ = ["ENGINES", "simulate"]

ENGINES = ("fast", "reference")

Progress = Callable[[int], object]
"""Called with the number of runs just finished (its return value is ignored)."""


def _chunk(plan: Plan, seed: int, engine: str, start: int, stop: int) -> dict[str, IntArray]:
    """Runs ``start`` to ``stop``: the unit of work sent to an executor (a plain function)."""
    compiled = compile_plan(plan)
    if engine == "fast":
        return run_fast(compiled, seed, range(start, stop))
    per_run = [run_reference(compiled, seed, run) for run in range(start, stop)]
    return {name: np.stack([m[name] for m in per_run]) for name in per_run[0]}


def _chunks(runs: int, size: int) -> Iterable[tuple[int, int]]:
    for start in range(0, runs, size):
        yield start, min(start + size, runs)


def simulate(
    plan: Plan,
    runs: int = 1000,
    seed: int = 0,
    engine: str = "fast",
    *,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> SimulationResult:
    """Run ``runs`` Monte Carlo runs of ``plan``; identical results for either engine.

    Run ``r`` draws from its own generator (see :mod:`.model`), so results do not depend on the
    chunking or on the ``executor`` (any :class:`concurrent.futures.Executor`, e.g. a process
    pool or a ``dask.distributed`` client's ``get_executor()``); without one it runs in process.

    ``plan`` is a :class:`Plan`, not a file: load one with ``Plan.from_toml(path)``.
    ``chunk_size`` runs go to each unit of work (by default a size that bounds memory). Bad
    arguments are an :class:`InvalidInput` naming the parameter, raised before any run.
    """
    if not isinstance(plan, Plan):
        raise InvalidInput(
            f"'plan' must be a Plan; load a plan file with Plan.from_toml(path) (got {plan!r})"
        )
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise InvalidInput(f"'runs' must be a whole number of at least 1 (got {runs!r})")
    if engine not in ENGINES:
        raise InvalidInput(f"'engine' must be one of {', '.join(ENGINES)} (got {engine!r})")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInput(f"'seed' must be a whole number of at least 0 (got {seed!r})")
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
    ):
        raise InvalidInput(
            f"'chunk_size' must be a whole number of at least 1, or None (got {chunk_size!r})"
        )
    if progress is not None and not callable(progress):
        raise InvalidInput(f"'progress' must be a callable or None (got {progress!r})")
    compiled = compile_plan(plan)
    size = chunk_size or (
        max(1, 2_000_000 // max(1, compiled.products * compiled.years)) if engine == "fast" else 10
    )
    parts: list[dict[str, IntArray]] = []
    bounds = list(_chunks(runs, size))
    if executor is None:
        for start, stop in bounds:
            parts.append(_chunk(plan, seed, engine, start, stop))
            if progress:
                progress(stop - start)
    else:
        futures = [executor.submit(_chunk, plan, seed, engine, a, b) for a, b in bounds]
        for future, (start, stop) in zip(futures, bounds, strict=True):
            parts.append(future.result())
            if progress:
                progress(stop - start)
    metrics = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    return SimulationResult.build(compiled, seed, engine, metrics)
