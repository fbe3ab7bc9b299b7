"""The ``ocop-workflow`` command line.

Subcommands (``ocop-workflow COMMAND --help`` says more, in the chosen language):

* ``simulate PLAN.toml --runs N --seed S [--engine fast|reference] [--out FILE.csv]``: a summary
  table with a legend line per row and each target's probability in words (the ``sim`` extra);
* ``store export|import URL FILE``: a store's dossiers to or from a JSON lines file (all or none;
  a bad line is named with its number; the ``store`` extra);
* ``diagram --regime CODE [--format mermaid|dot] [--compare CODE]``: a regime's process as a
  Mermaid or Graphviz DOT diagram, or two regimes side by side
  (:func:`ocop_workflow.diagrams.diagram`);
* ``sheet show N|PATH`` and ``sheet check N|PATH``: a scoring sheet's parts and criteria, or
  every problem of a sheet file (this library's TOML or JSON, or an outline CSV) with its row or
  code;
* ``portfolio import|counts|agenda FILE``: a province's list of certified products (.xlsx or
  .csv, :mod:`ocop_workflow.spreadsheets`; the ``excel`` extra) into dossiers (``--out``
  JSON lines, or ``--store URL``), its counts by district and stars, or its agenda
  (:func:`ocop_workflow.portfolio.agenda`).

Every subcommand takes ``--lang vi|en`` (default: the ``OCOP_LANG`` environment variable, else
``en``): the help texts, messages, table headings and legends come from the gettext catalogues
of :mod:`ocop_workflow.labels` in that language (the library's own error messages, and
argparse's details of a bad argument, stay in English). Every printed table is followed by a
legend line per row in plain words. Long commands show a progress bar on stderr when ``tqdm``
(the ``sim`` extra) is installed.

Exit status: 0 on success; 1 when a command fails after its input was accepted (writing ``--out``)
or, for ``sheet check``, when the sheet has problems; 2 for bad arguments or input (a bad plan
file or spreadsheet, an ``--out`` that cannot be written, a run larger than this machine's memory:
all checked before the work starts), each with one error line (a spreadsheet's bad rows are
listed under it); 130 on Ctrl-C, with one line and no traceback. ``--out`` is written to a
temporary file in the same folder and renamed over the target only when complete, so a failed or
interrupted command leaves no partial file.

Each subcommand is two small functions, one adding its arguments and one running it, listed in
:data:`COMMANDS`: adding a subcommand is adding a pair there.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple, NoReturn

from ocop_workflow._files import atomic_target
from ocop_workflow.errors import OcopError
from ocop_workflow.labels import LANGUAGES, label, text

if TYPE_CHECKING:
    from ocop_workflow.dossier import Dossier
    from ocop_workflow.scoring import Problem, ScoringSheet

__all__ = ["COMMANDS", "LANGUAGE_VARIABLE", "main", "memory_available", "write_atomically"]

PROG = "ocop-workflow"
INTERRUPTED = 130
"""The exit status of a run stopped by Ctrl-C (128 + SIGINT, the shells' convention)."""
LANGUAGE_VARIABLE = "OCOP_LANG"
"""The environment variable giving the default of ``--lang`` (``vi`` or ``en``)."""

Run = Callable[[argparse.Namespace], int]
"""A subcommand's body: the parsed arguments in (``lang`` among them), the exit status out."""
AddCommand = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]", str], None]
"""Adds one subcommand's parser in a language (and sets its ``run`` default to its :data:`Run`)."""


def _fail(message: str, status: int = 2) -> int:
    """Print one error line and return ``status``."""
    print(f"{PROG}: {message}", file=sys.stderr)
    return status


def _version() -> str:
    try:
        return metadata.version("ocop-workflow")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown (not installed)"


def _needs_extra(error: ImportError, what: str, extra: str, lang: str) -> int:
    """The one line for a missing optional dependency, status 2."""
    return _fail(
        text(
            "cli.needs_extra",
            lang,
            what=text(f"cli.what.{what}", lang),
            extra=extra,
            module=error.name,
        )
    )


# -- the parser in a language -----------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """An argument parser whose error line is in its language (argparse's own detail of the
    problem stays English: the standard library ships no Vietnamese catalogue)."""

    def __init__(self, *, lang: str = "en", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lang = lang

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {text('cli.bad_argument', self.lang, message=message)}\n")


def _formatter(lang: str) -> type[argparse.HelpFormatter]:
    """A help formatter writing the usage line's prefix in ``lang``."""
    prefix = text("cli.usage", lang)

    class Formatter(argparse.HelpFormatter):
        def add_usage(
            self,
            usage: str | None,
            actions: Iterable[argparse.Action],
            groups: Iterable[argparse._MutuallyExclusiveGroup],
            prefix_: str | None = None,
        ) -> None:
            super().add_usage(usage, actions, groups, prefix if prefix_ is None else prefix_)

    return Formatter


class _Command(NamedTuple):
    """A subcommand's parser and its two argument groups, titled in the parser's language."""

    parser: argparse.ArgumentParser
    arguments: argparse._ArgumentGroup
    options: argparse._ArgumentGroup


def _help_options(group: argparse._ArgumentGroup, lang: str, *, top: bool) -> None:
    """``-h``/``--help`` and ``--lang`` (the top level's sets the default; a subcommand's only
    overrides it when given)."""
    group.add_argument("-h", "--help", action="help", help=text("cli.help", lang))
    group.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=lang if top else argparse.SUPPRESS,
        help=text("cli.lang", lang, variable=LANGUAGE_VARIABLE),
    )


def _subcommand(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str, key: str, lang: str
) -> _Command:
    """Add subcommand ``name`` with its help and description (messages ``cli.<key>.help`` and
    ``cli.<key>.description``), ``-h`` and ``--lang``."""
    parser = commands.add_parser(
        name,
        help=text(f"cli.{key}.help", lang),
        description=text(f"cli.{key}.description", lang),
        epilog=text("cli.epilog", lang),
        add_help=False,
        formatter_class=_formatter(lang),
    )
    if isinstance(parser, _Parser):  # the error line in the same language
        parser.lang = lang
    arguments = parser.add_argument_group(text("cli.arguments", lang))
    options = parser.add_argument_group(text("cli.options", lang))
    _help_options(options, lang, top=False)
    return _Command(parser, arguments, options)


def _subcommands(
    parser: argparse.ArgumentParser, lang: str
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    return parser.add_subparsers(
        title=text("cli.commands", lang),
        dest="command",
        required=True,
        metavar=text("cli.command_metavar", lang),
        parser_class=_Parser,
    )


# -- tables -------------------------------------------------------------------------------------


def _width(value: str) -> int:
    """Characters as shown (Vietnamese letters written with combining marks count once)."""
    return sum(1 for c in unicodedata.normalize("NFC", value) if not unicodedata.combining(c))


def _print_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A plain text table, columns aligned, a rule under the header."""
    cells = [[str(c) for c in header], *([str(c) for c in row] for row in rows)]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        padded = (c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True))
        return "  ".join(padded).rstrip()

    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))


def _print_legend(lang: str, lines: Sequence[tuple[str, str]]) -> None:
    """The legend of a table: one line per row, its key then plain words."""
    print()
    print(text("cli.legend", lang))
    width = max((_width(key) for key, _ in lines), default=0)
    for key, words in lines:
        print(f"  {key}{' ' * (width - _width(key))}  {words}")


def _day(day: dt.date, lang: str) -> str:
    """A date as the language writes it: 20/07/2024 in Vietnamese, 2024-07-20 in English."""
    return f"{day:%d/%m/%Y}" if lang == "vi" else day.isoformat()


@contextlib.contextmanager
def _progress(unit: str, total: int | None = None) -> Iterator[Callable[[int], object] | None]:
    """A progress bar on stderr (tqdm, of the ``sim`` extra) when installed, else nothing: the
    commands work without it. The bar shows only when the work takes longer than a second
    (tqdm's delay), and is cleared at the end so that an interruption leaves one line."""
    try:
        from tqdm import tqdm
    except ImportError:
        yield None
        return
    with tqdm(total=total, unit=unit, delay=1.0, file=sys.stderr, leave=False) as bar:
        yield bar.update


# -- writing files ----------------------------------------------------------------------------


def _unwritable(out: str, lang: str) -> str | None:
    """Why ``out`` cannot be written, or ``None`` when it can."""
    target = Path(out)
    folder = target.parent  # "." for a bare file name
    if not folder.is_dir():
        return text("cli.out.no_folder", lang, folder=str(folder), out=out)
    if target.is_dir():
        return text("cli.out.folder", lang, out=out)
    if not os.access(folder, os.W_OK | os.X_OK) or (
        target.exists() and not os.access(target, os.W_OK)
    ):
        return text("cli.out.denied", lang, out=out)
    return None


def _write_failed(error: OSError, out: str, lang: str) -> int:
    reason = error.strerror or str(error)
    return _fail(text("cli.out.failed", lang, reason=reason, out=out), 1)


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
            content = handle.read()
    except (OSError, UnicodeDecodeError):
        return None
    if field is None:
        value = content.strip()
        return int(value) if value.isdigit() else None
    for line in content.splitlines():
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


def _add_simulate(commands: argparse._SubParsersAction[argparse.ArgumentParser], lang: str) -> None:
    sim = _subcommand(commands, "simulate", "simulate", lang)
    sim.arguments.add_argument("plan", help=text("cli.simulate.plan", lang))
    sim.options.add_argument("--runs", type=int, default=1000, help=text("cli.simulate.runs", lang))
    sim.options.add_argument("--seed", type=int, default=0, help=text("cli.simulate.seed", lang))
    sim.options.add_argument(
        "--engine",
        choices=("fast", "reference"),
        default="fast",
        help=text("cli.simulate.engine", lang),
    )
    sim.options.add_argument("--out", metavar="FILE", help=text("cli.simulate.out", lang))
    sim.parser.set_defaults(run=_simulate)


def _simulate(args: argparse.Namespace) -> int:
    lang: str = args.lang
    try:
        from tqdm import tqdm

        from ocop_workflow.simulation import Plan, simulate
        from ocop_workflow.simulation.run import format_bytes, memory_needed
    except ImportError as error:
        return _needs_extra(error, "simulation", "sim", lang)
    problem = None if args.out is None else _unwritable(args.out, lang)
    if problem is not None:
        return _fail(problem)
    try:
        plan = Plan.from_toml(args.plan)
        needed = memory_needed(plan, args.runs, args.engine)
        available = memory_available()
        if available is not None and needed > available:
            return _fail(
                text(
                    "cli.simulate.too_large",
                    lang,
                    runs=args.runs,
                    needed=format_bytes(needed),
                    available=format_bytes(available),
                )
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
    print(
        text(
            "cli.simulate.header",
            lang,
            province=plan.province,
            years=years,
            runs=args.runs,
            seed=args.seed,
            engine=args.engine,
        )
    )
    summary = result.summary().round(2)
    print(summary.to_string())
    legend = result.legend(lang)
    width = max(len(str(name)) for name in summary.index)
    print()
    print(legend["columns"])
    for name in summary.index:
        print(f"  {name:<{width}}  {legend[name]}")
    if plan.targets:
        print()
        for target in plan.targets:
            print(result.target_line(target.name, lang))
    if args.out:
        try:
            write_atomically(Path(args.out), result.per_run.to_csv)
        except OSError as error:
            return _write_failed(error, args.out, lang)
        print()
        print(text("cli.simulate.written", lang, path=args.out))
    return 0


# -- store ------------------------------------------------------------------------------------


def _add_store(commands: argparse._SubParsersAction[argparse.ArgumentParser], lang: str) -> None:
    store = _subcommand(commands, "store", "store", lang)
    store.arguments.add_argument(
        "action", choices=("export", "import"), help=text("cli.store.action", lang)
    )
    store.arguments.add_argument("url", help=text("cli.store.url", lang))
    store.arguments.add_argument("file", help=text("cli.store.file", lang))
    store.parser.set_defaults(run=_store)


def _store(args: argparse.Namespace) -> int:
    """``store export|import URL FILE``: the JSON lines exchange (the ``store`` extra)."""
    lang: str = args.lang
    try:
        from ocop_workflow.store import Store
    except ImportError as error:
        return _needs_extra(error, "store", "store", lang)
    if args.action == "export" and _missing_sqlite_file(args.url):
        return _fail(text("cli.store.missing", lang, url=args.url))
    try:
        with Store(args.url) as store:
            if args.action == "export":
                if args.file == "-":
                    count = store.export_jsonl(sys.stdout)
                else:
                    count = store.export_jsonl(args.file)
                    print(text("cli.store.exported", lang, count=count, file=args.file))
            else:
                count = len(store.import_jsonl(sys.stdin if args.file == "-" else args.file))
                print(text("cli.store.imported", lang, count=count, file=args.file))
    except OSError as error:
        return _fail(text("cli.store.unwritable", lang, file=args.file, reason=error.strerror))
    except OcopError as error:
        return _fail(str(error))
    return 0


def _missing_sqlite_file(url: str) -> bool:
    """Whether ``url`` names a SQLite file that does not exist (opening it would create an empty
    store, and an export of a mistyped path would quietly write nothing)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix:
        return False
    return not Path(url[len(prefix) :].split("?", 1)[0]).exists()


# -- diagram ----------------------------------------------------------------------------------


def _regime_codes() -> tuple[str, ...]:
    from ocop_workflow import rulesets

    return tuple(r.code for r in rulesets.ALL)


def _add_diagram(commands: argparse._SubParsersAction[argparse.ArgumentParser], lang: str) -> None:
    from ocop_workflow.diagrams import FORMATS

    codes = _regime_codes()
    diagram = _subcommand(commands, "diagram", "diagram", lang)
    diagram.options.add_argument(
        "--regime",
        required=True,
        choices=codes,
        metavar="CODE",
        help=text("cli.diagram.regime", lang, codes=", ".join(codes)),
    )
    diagram.options.add_argument(
        "--format", choices=FORMATS, default="mermaid", help=text("cli.diagram.format", lang)
    )
    diagram.options.add_argument(
        "--compare", choices=codes, metavar="CODE", help=text("cli.diagram.compare", lang)
    )
    diagram.parser.set_defaults(run=_diagram)


def _diagram(args: argparse.Namespace) -> int:
    """The diagram text on stdout; with ``--compare``, the older regime on the left."""
    from ocop_workflow import rulesets
    from ocop_workflow.diagrams import diagram

    by_code = {r.code: r for r in rulesets.ALL}
    shown = by_code[args.regime]
    if args.compare is None:
        drawn = diagram(shown, lang=args.lang, format=args.format)
    else:
        older, newer = sorted((by_code[args.compare], shown), key=lambda r: r.effective_from)
        drawn = diagram(newer, lang=args.lang, format=args.format, compare_with=older)
    sys.stdout.write(drawn if drawn.endswith("\n") else drawn + "\n")
    return 0


# -- sheet ------------------------------------------------------------------------------------


def _add_sheet(commands: argparse._SubParsersAction[argparse.ArgumentParser], lang: str) -> None:
    sheet = _subcommand(commands, "sheet", "sheet", lang)
    actions = _subcommands(sheet.parser, lang)
    for action, run in (("show", _sheet_show), ("check", _sheet_check)):
        command = _subcommand(actions, action, f"sheet.{action}", lang)
        command.arguments.add_argument(
            "sheet", metavar="N|PATH", help=text("cli.sheet.argument", lang)
        )
        command.parser.set_defaults(run=run)


class _SheetRead(NamedTuple):
    """A sheet as read for the command line: the sheet (``None`` when it could not be built),
    every problem found, and the name it is shown under."""

    sheet: ScoringSheet | None
    problems: tuple[Problem, ...]
    source: str


def _read_sheet(spec: str, lang: str, *, strict: bool) -> _SheetRead:
    """A shipped sheet by its number, or a sheet file: this library's TOML or JSON format
    (strict: its problems are a :class:`SheetError`) or an outline CSV (read leniently unless
    ``strict``); a sheet built is also checked (``ScoringSheet.problems``). A file that cannot
    be read at all, or a number not shipped, is an :class:`InvalidInput`."""
    from ocop_workflow.scoring import ScoringSheet, SheetError, shipped_sheet

    if spec.strip().isdigit():
        number = int(spec)
        sheet = shipped_sheet(number)
        return _SheetRead(sheet, sheet.problems(), text("cli.sheet.shipped", lang, number=number))
    path = Path(spec)
    try:
        if path.suffix.lower() == ".csv":
            if strict:
                sheet = ScoringSheet.from_outline_csv(path)
                found: tuple[Problem, ...] = ()
            else:
                sheet, found = ScoringSheet.from_outline_csv(path, strict=False)
        else:
            sheet, found = ScoringSheet.load(path), ()
    except SheetError as error:
        return _SheetRead(None, error.problems, spec)
    return _SheetRead(sheet, found or sheet.problems(), spec)


def _where(problem: Problem, lang: str) -> str:
    if problem.row is not None and problem.code is not None:
        return text("cli.sheet.where.row_code", lang, row=problem.row, code=problem.code)
    if problem.row is not None:
        return text("cli.sheet.where.row", lang, row=problem.row)
    return problem.code or text("cli.sheet.where.sheet", lang)


def _print_problems(read: _SheetRead, lang: str, stream: IO[str]) -> None:
    """Each problem on a line: where (row and/or code), what kind, the problem itself."""
    print(
        text("cli.sheet.problems", lang, source=read.source, count=len(read.problems)),
        file=stream,
    )
    for problem in read.problems:
        detail = ""
        if problem.expected is not None or problem.found is not None:
            detail = " " + text(
                "cli.sheet.detail", lang, expected=problem.expected, found=problem.found
            )
        kind = label(problem.kind, lang)
        print(f"  - {_where(problem, lang)} [{kind}]: {problem.message}{detail}", file=stream)


def _sheet_check(args: argparse.Namespace) -> int:
    """Every problem of the sheet, status 1 when there are any, 0 when there are none."""
    lang: str = args.lang
    try:
        read = _read_sheet(args.sheet, lang, strict=False)
    except OcopError as error:
        return _fail(str(error))
    if read.problems:
        _print_problems(read, lang, sys.stdout)
        return 1
    print(text("cli.sheet.clean", lang, source=read.source))
    return 0


def _points(value: float) -> str:
    """Points as people write them: 5, not 5.0; 2.5 stays 2.5."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _minimums(criterion: object, lang: str) -> list[str]:
    """The criterion's per-star minimums in words, each where it rises (facts page section 3:
    the markers are cumulative, so 4 stars also need the 3-star minimum)."""
    from ocop_workflow.scoring import Criterion

    assert isinstance(criterion, Criterion)
    words: list[str] = []
    before = 0.0
    for stars in (3, 4, 5):
        need = criterion.requirement(stars)
        if need > before:
            key = "cli.sheet.impossible" if need == float("inf") else "cli.sheet.minimum"
            words.append(text(key, lang, stars=stars, points=_points(need)))
        before = need
    return words


def _sheet_show(args: argparse.Namespace) -> int:
    """The sheet's parts (a table, a legend line per row), criteria and declared gaps."""
    from ocop_workflow.scoring import NAMES_VI, SHEETS, ProductGroup

    lang: str = args.lang
    try:
        read = _read_sheet(args.sheet, lang, strict=True)
    except OcopError as error:
        return _fail(str(error))
    sheet = read.sheet
    if sheet is None or read.problems:
        _print_problems(read, lang, sys.stderr)
        return _fail(text("cli.sheet.cannot_show", lang, sheet=args.sheet))
    try:
        group = label(ProductGroup(sheet.group), lang)
    except ValueError:  # a sheet file of another group name: shown as written
        group = sheet.group
    sub_group = sheet.sub_group
    if lang == "vi" and SHEETS.get(sheet.number, ("", ""))[1] == sub_group:
        sub_group = NAMES_VI[sheet.number]
    print(text("cli.sheet.title", lang, number=sheet.number, sub_group=sub_group, group=group))
    print()
    rows: list[list[object]] = []
    legend: list[tuple[str, str]] = []
    for part in sheet.parts:
        criteria = part.criteria
        minimums = sum(1 for c in criteria if c.requirement(5) > 0)
        values = {
            "letter": part.letter,
            "title": part.title,
            "points": _points(part.maximum),
            "groups": len(part.groups),
            "criteria": len(criteria),
            "minimums": minimums,
        }
        rows.append([part.letter, values["points"], len(part.groups), len(criteria), minimums])
        legend.append((part.letter, text("legend.sheet.part", lang, **values)))
    total = text("heading.total", lang)
    points = _points(sum(p.maximum for p in sheet.parts))
    groups = sum(len(p.groups) for p in sheet.parts)
    count = sum(len(p.criteria) for p in sheet.parts)
    marked = sum(row[4] for row in rows if isinstance(row[4], int))
    rows.append([total, points, groups, count, marked])
    legend.append((total, text("legend.sheet.total", lang, letter=total, points=points)))
    header = [text(f"cli.sheet.col.{name}", lang) for name in ("part", "points", "groups")]
    header += [text(f"cli.sheet.col.{name}", lang) for name in ("criteria", "minimums")]
    _print_table(header, rows)
    _print_legend(lang, legend)
    print()
    print(text("cli.sheet.criteria", lang))
    for part in sheet.parts:
        for criterion in part.criteria:
            words = [text("cli.sheet.up_to", lang, points=_points(criterion.maximum))]
            words += _minimums(criterion, lang)
            print(f"  {criterion.code}  {criterion.title}: {'; '.join(words)}")
    if sheet.gaps:
        print()
        print(text("cli.sheet.gaps", lang))
        for gap in sheet.gaps:
            print(f"  {gap.code}  {label(gap.resolution, lang)}: {gap.note}")
    return 0


# -- portfolio ----------------------------------------------------------------------------------


def _add_portfolio(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], lang: str
) -> None:
    portfolio = _subcommand(commands, "portfolio", "portfolio", lang)
    actions = _subcommands(portfolio.parser, lang)

    def command(name: str, run: Run, *, province: bool) -> _Command:
        added = _subcommand(actions, name, f"portfolio.{name}", lang)
        added.arguments.add_argument("file", metavar="FILE", help=text("cli.portfolio.file", lang))
        added.options.add_argument(
            "--worksheet", metavar="NAME", help=text("cli.portfolio.worksheet", lang)
        )
        if province:
            added.options.add_argument(
                "--province",
                required=True,
                metavar="NAME",
                help=text("cli.portfolio.province", lang),
            )
        added.parser.set_defaults(run=run)
        return added

    imported = command("import", _portfolio_import, province=True)
    where = imported.options.add_mutually_exclusive_group()
    where.add_argument("--out", metavar="FILE", help=text("cli.portfolio.out", lang))
    where.add_argument("--store", metavar="URL", help=text("cli.portfolio.store", lang))
    command("counts", _portfolio_counts, province=False)
    agenda = command("agenda", _portfolio_agenda, province=True)
    for bound in ("start", "end"):
        agenda.options.add_argument(
            f"--{bound}", required=True, metavar="DATE", help=text(f"cli.portfolio.{bound}", lang)
        )


def _spreadsheet_problems(error: OcopError) -> int:
    """A spreadsheet's problems: the first line as the error line, every bad row under it."""
    first, *rest = str(error).splitlines()
    status = _fail(first)
    for line in rest:
        print(line, file=sys.stderr)
    return status


def _imported(args: argparse.Namespace) -> list[Dossier] | int:
    """The list's dossiers, or the exit status of the error already reported."""
    lang: str = args.lang
    try:
        from ocop_workflow.spreadsheets import import_dossiers
    except ImportError as error:
        return _needs_extra(error, "spreadsheets", "excel", lang)
    try:
        with _progress(text("cli.progress.rows", lang)) as progress:
            return import_dossiers(
                args.file, province=args.province, worksheet=args.worksheet, progress=progress
            )
    except OcopError as error:
        return _spreadsheet_problems(error)


def _portfolio_import(args: argparse.Namespace) -> int:
    """The list into dossiers, to a JSON lines file (what ``store import`` reads) or a store;
    ``--out`` and the store are checked before the list is read."""
    lang: str = args.lang
    problem = None if args.out is None else _unwritable(args.out, lang)
    if problem is not None:
        return _fail(problem)
    with contextlib.ExitStack() as stack:
        store = None
        if args.store is not None:
            try:
                from ocop_workflow.store import Store
            except ImportError as error:
                return _needs_extra(error, "store", "store", lang)
            try:
                store = stack.enter_context(Store(args.store))
            except OcopError as error:
                return _fail(str(error))
        dossiers = _imported(args)
        if isinstance(dossiers, int):
            return dossiers
        print(text("cli.portfolio.read", lang, count=len(dossiers), file=args.file))
        if store is not None:
            try:
                store.add_all(dossiers)
            except OcopError as error:
                return _fail(str(error))
            print(text("cli.portfolio.stored", lang, count=len(dossiers), url=args.store))
            return 0
    if args.out is None:
        print(text("cli.portfolio.nothing_written", lang))
        return 0

    def write(stream: IO[str]) -> None:
        for dossier in dossiers:
            stream.write(json.dumps(dossier.to_dict(), ensure_ascii=False) + "\n")

    try:
        write_atomically(Path(args.out), write)
    except OSError as error:
        return _write_failed(error, args.out, lang)
    print(text("cli.portfolio.written", lang, count=len(dossiers), out=args.out))
    return 0


def _portfolio_counts(args: argparse.Namespace) -> int:
    """Products of the list by district and stars, with totals, a legend line per row."""
    lang: str = args.lang
    try:
        from ocop_workflow.spreadsheets import read_products
    except ImportError as error:
        return _needs_extra(error, "spreadsheets", "excel", lang)
    try:
        rows = read_products(args.file, worksheet=args.worksheet, required=("district",))
    except OcopError as error:
        return _spreadsheet_problems(error)
    from ocop_workflow.rules import RECOGNISED_STARS

    counts = Counter((row.district, row.stars) for row in rows)
    districts = sorted({d for d, _ in counts}, key=lambda d: (d is None, d or ""))
    table: list[list[object]] = []
    legend: list[tuple[str, str]] = []
    keyed = [(d, "no_district" if d is None else "district") for d in districts]
    for district, kind in [*keyed, (None, "total")]:
        if kind == "total":
            name = text("heading.total", lang)
            by_stars = [sum(counts[(d, s)] for d in districts) for s in RECOGNISED_STARS]
        else:
            name = text("heading.no_district", lang) if district is None else district
            by_stars = [counts[(district, s)] for s in RECOGNISED_STARS]
        table.append([name, *by_stars, sum(by_stars)])
        values = {f"stars_{s}": n for s, n in zip(RECOGNISED_STARS, by_stars, strict=True)}
        legend.append(
            (
                name,
                text(f"legend.counts.{kind}", lang, district=name, total=sum(by_stars), **values),
            )
        )
    header = [text("heading.district", lang)]
    header += [text(f"heading.stars_{s}", lang) for s in RECOGNISED_STARS]
    header.append(text("heading.total", lang))
    print(text("cli.portfolio.counts_title", lang, file=args.file, count=len(rows)))
    print()
    _print_table(header, table)
    _print_legend(lang, legend)
    return 0


def _portfolio_agenda(args: argparse.Namespace) -> int:
    """What falls due from ``--start`` to ``--end`` for the list's products, by date."""
    from ocop_workflow.dates import to_date
    from ocop_workflow.portfolio import agenda

    lang: str = args.lang
    try:
        start, end = to_date(args.start, "start"), to_date(args.end, "end")
    except OcopError as error:
        return _fail(str(error))
    dossiers = _imported(args)
    if isinstance(dossiers, int):
        return dossiers
    try:
        due = agenda(dossiers, start=start, end=end)
    except OcopError as error:
        return _fail(str(error))
    first, last = _day(start, lang), _day(end, lang)
    if not due:
        print(text("cli.portfolio.nothing_due", lang, start=first, end=last))
        return 0
    print(text("cli.portfolio.agenda_title", lang, count=len(due), start=first, end=last))
    print()
    rows: list[list[object]] = []
    legend: list[tuple[str, str]] = []
    for number, row in enumerate(due, start=1):
        product = "" if row.dossier is None else row.dossier.product
        when = _day(row.on, lang)
        level = label(row.level, lang)
        rows.append([number, when, label(row.what, lang), level, product, row.detail])
        words = text(
            f"legend.due.{row.what.name}",
            lang,
            on=when,
            level=level,
            product=product,
            detail=row.detail,
        )
        legend.append((str(number), words))
    header = [text(f"cli.col.{name}", lang) for name in ("number", "date", "due", "level")]
    header += [text(f"cli.col.{name}", lang) for name in ("product", "detail")]
    _print_table(header, rows)
    _print_legend(lang, legend)
    return 0


# -- the command ------------------------------------------------------------------------------

COMMANDS: tuple[AddCommand, ...] = (
    _add_simulate,
    _add_store,
    _add_diagram,
    _add_sheet,
    _add_portfolio,
)
"""The subcommands, each a function adding its parser in a language (with its ``run``)."""


class _BadLanguage(Exception):
    """``OCOP_LANG`` holds neither language."""


def _chosen_language(argv: Sequence[str]) -> str:
    """The language of the help and messages, read before the parser is built: the last
    ``--lang`` of the arguments when it is a language (otherwise the parser refuses it later),
    else ``OCOP_LANG``, else English."""
    given: str | None = None
    for index, argument in enumerate(argv):
        if argument == "--":
            break
        if argument == "--lang" and index + 1 < len(argv):
            given = argv[index + 1]
        elif argument.startswith("--lang="):
            given = argument.partition("=")[2]
    if given in LANGUAGES:
        return given
    variable = os.environ.get(LANGUAGE_VARIABLE)
    if variable is None or variable == "":
        return "en"
    if variable not in LANGUAGES:
        if given is not None:  # the parser reports the bad --lang (in English)
            return "en"
        raise _BadLanguage(variable)
    return variable


def _parser(lang: str = "en") -> argparse.ArgumentParser:
    """The whole command line, every help text in ``lang``."""
    parser = _Parser(
        prog=PROG,
        description=text("cli.description", lang),
        epilog=text("cli.epilog", lang),
        add_help=False,
        formatter_class=_formatter(lang),
        lang=lang,
    )
    options = parser.add_argument_group(text("cli.options", lang))
    _help_options(options, lang, top=True)
    options.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {_version()}",
        help=text("cli.version", lang),
    )
    commands = _subcommands(parser, lang)
    for add in COMMANDS:
        add(commands, lang)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (130 after Ctrl-C, with one line)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        lang = _chosen_language(arguments)
    except _BadLanguage as error:
        return _fail(text("cli.bad_variable", "en", variable=LANGUAGE_VARIABLE, value=str(error)))
    try:
        args = _parser(lang).parse_args(arguments)
        run: Run = args.run
        return run(args)
    except KeyboardInterrupt:
        print(f"{PROG}: {text('cli.interrupted', lang)}", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
