"""``simulate``: run a plan with either engine, in process or on any executor."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor

import numpy as np

from ocop_workflow.errors import InvalidInput
from ocop_workflow.simulation.fast import run_fast
from ocop_workflow.simulation.model import FUNNEL, IntArray, compile_plan
from ocop_workflow.simulation.plan import Plan
from ocop_workflow.simulation.reference import run_reference
from ocop_workflow.simulation.results import SimulationResult
from ocop_workflow.validators import whole

__all__ = ["ENGINES", "format_bytes", "memory_needed", "simulate"]

ENGINES = ("fast", "reference")

_FAST_CHUNK_CELLS = 2_000_000
"""Product-years per chunk of the fast engine: bounds the memory of one unit of work."""
_REFERENCE_CHUNK = 10
"""Runs per chunk of the reference engine (it holds one run's dossiers at a time)."""
_WORKING_ARRAYS = 32
"""Run-by-product arrays the fast engine holds at once besides its draws (counted in run_fast,
rounded up): the states, expiries, stars, masks and indexes of one year."""
_REFERENCE_BYTES_PER_PRODUCT = 16 * 1024
"""What one product of one run costs the reference engine: a dossier with its history (about
3 KiB, README's performance table) and the per-run arrays, rounded up generously."""

Progress = Callable[[int], object]
"""Called with the number of runs just finished (its return value is ignored)."""


def format_bytes(size: int) -> str:
    """``size`` bytes for people: ``'1.5 GiB'``, ``'9.3e+10 GiB'`` for absurd sizes (in integer
    arithmetic, so that any size can be shown)."""
    if size < 1024:
        return f"{size} bytes"
    for power, unit in ((1, "KiB"), (2, "MiB")):
        if size < 1024 ** (power + 1):
            return f"{size / 1024**power:.1f} {unit}"
    gib = size // 1024**3
    if gib < 10**6:
        return f"{size / 1024**3:.1f} GiB"
    digits = str(gib)
    return f"{digits[0]}.{digits[1]}e+{len(digits) - 1:02d} GiB"


def _chunk(plan: Plan, seed: int, engine: str, start: int, stop: int) -> dict[str, IntArray]:
    """Runs ``start`` to ``stop``: the unit of work sent to an executor (a plain function)."""
    compiled = compile_plan(plan)
    if engine == "fast":
        return run_fast(compiled, seed, range(start, stop))
    per_run = [run_reference(compiled, seed, run) for run in range(start, stop)]
    return {name: np.stack([m[name] for m in per_run]) for name in per_run[0]}


def _chunk_size(products: int, years: int, engine: str) -> int:
    if engine == "fast":
        return max(1, _FAST_CHUNK_CELLS // max(1, products * years))
    return _REFERENCE_CHUNK


def memory_needed(
    plan: Plan, runs: int, engine: str = "fast", *, chunk_size: int | None = None
) -> int:
    """An estimate, in bytes, of the peak memory :func:`simulate` needs for these arguments.

    Counted from the plan's shape (products, years, levels, rounds, districts): the counters kept
    for every run (twice: the chunks and their concatenation), the per-run table and its
    summary, and one unit of work (the fast engine's draws and working arrays, or the reference
    engine's dossiers). An application can compare it with the memory it can spare before
    starting; the command line refuses a run its machine cannot hold. It is an estimate, meant to
    be within a small factor, not a measurement.
    """
    runs, _, chunk_size = _check_arguments(plan, runs, engine, 0, chunk_size, None, None)
    return _memory_needed(plan, runs, engine, chunk_size)


def _memory_needed(plan: Plan, runs: int, engine: str, chunk_size: int | None) -> int:
    # From the plan's counts, not its compiled tables: a plan of 10**12 products is refused
    # without laying them out.
    products, years = plan.baseline_products + plan.planned_dossiers, len(plan.years)
    levels, districts = len(plan.ruleset.scoring_levels), len(plan.districts)
    counters = years * (3 + len(FUNNEL) + 3 + len(plan.rounds)) + 2 * districts + 3 + 1
    per_run_columns = 3 + 4 * years
    # Counters twice (chunks, then concatenated), the per-run table and summary's copies (4x).
    per_run = 8 * (2 * counters + 4 * per_run_columns)
    size = min(runs, chunk_size or _chunk_size(products, years, engine))
    if engine == "fast":
        per_chunk_run = 8 * products * (1 + years * (4 + levels) + _WORKING_ARRAYS)
    else:
        per_chunk_run = _REFERENCE_BYTES_PER_PRODUCT * products
    return runs * per_run + size * per_chunk_run + 64 * products * years


def _check_arguments(
    plan: object,
    runs: object,
    engine: object,
    seed: object,
    chunk_size: object,
    progress: object,
    executor: object,
) -> tuple[int, int, int | None]:
    """Refuse bad arguments of :func:`simulate` by name, before any work; the whole numbers
    (runs, seed, chunk size) as Python ints."""
    if not isinstance(plan, Plan):
        raise InvalidInput(
            f"'plan' must be a Plan; load a plan file with Plan.from_toml(path) (got {plan!r})"
        )
    # Any positive int is a count of runs here, however large: the memory estimate refuses a run
    # that cannot fit, with the size it would need.
    counted = runs if type(runs) is int and runs >= 1 else whole(runs, "runs", 1)
    if not isinstance(engine, str) or engine not in ENGINES:
        raise InvalidInput(f"'engine' must be one of {', '.join(ENGINES)} (got {engine!r})")
    seeded = whole(seed, "seed", 0)
    size = None if chunk_size is None else whole(chunk_size, "chunk_size", 1)
    if progress is not None and not callable(progress):
        raise InvalidInput(f"'progress' must be a callable or None (got {progress!r})")
    if executor is not None and not isinstance(executor, Executor):
        raise InvalidInput(
            "'executor' must be a concurrent.futures.Executor (a process pool, a dask client's "
            f"get_executor()...) or None (got {executor!r})"
        )
    return counted, seeded, size


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
    max_memory: int | None = None,
) -> SimulationResult:
    """Run ``runs`` Monte Carlo runs of ``plan``; identical results for either engine.

    Run ``r`` draws from its own generator (see :mod:`.model`), so results do not depend on the
    chunking or on the ``executor`` (any :class:`concurrent.futures.Executor`, e.g. a process
    pool or a ``dask.distributed`` client's ``get_executor()``); without one it runs in process.

    ``plan`` is a :class:`Plan`, not a file: load one with ``Plan.from_toml(path)``.
    ``chunk_size`` runs go to each unit of work (by default a size that bounds memory). With
    ``max_memory`` (bytes), a run whose :func:`memory_needed` estimate exceeds it is refused
    before it starts. Bad arguments are an :class:`InvalidInput` naming the parameter, raised
    before any run.
    """
    runs, seed, chunk_size = _check_arguments(
        plan, runs, engine, seed, chunk_size, progress, executor
    )
    if max_memory is not None:
        max_memory = whole(max_memory, "max_memory", 1)
        needed = _memory_needed(plan, runs, engine, chunk_size)
        if needed > max_memory:
            raise InvalidInput(
                f"'runs' {runs} would need about {format_bytes(needed)} of memory, more than "
                f"'max_memory' {format_bytes(max_memory)}"
            )
    compiled = compile_plan(plan)
    size = chunk_size or _chunk_size(compiled.products, compiled.years, engine)
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
