"""export: whole tables for scripts and spreadsheets."""

from __future__ import annotations

import os
import sys
import tempfile
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from chorectl.cli import complete, render
from chorectl.cli.options import AllOpt, Format, LimitOpt, MemberOpt, RawOpt, SinceOpt, UntilOpt
from chorectl.cli.state import message, state
from chorectl.domain.dates import local_date, now, parse_days
from chorectl.errors import BadInput, StorageError
from chorectl.services.rows import EXPORTS

# The kinds export takes: services.rows.EXPORTS's names, as Typer's choices.
ExportKind = Enum("ExportKind", [(name, name) for name in EXPORTS], type=str)


def export(
    ctx: typer.Context,
    kind: Annotated[
        ExportKind,
        typer.Argument(metavar="|".join(EXPORTS), help="What to export.", case_sensitive=False),
    ],
    fmt: Annotated[
        Format,
        typer.Option("--format", "-f", case_sensitive=False, help="csv (default), tsv, json, jsonl, or table."),
    ] = Format.csv,
    since: SinceOpt = None,
    until: UntilOpt = None,
    member: MemberOpt = None,
    chore: Annotated[
        str | None,
        typer.Option(
            "--chore",
            metavar="CHORE",
            help="Completions only: just this chore's (an id, or its exact title in any case).",
            autocompletion=complete.chores,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            dir_okay=False,
            help="Write to FILE (atomically) instead of stdout. FILE is a new name or a regular file: "
            "not a symbolic link (name the real file), a device, the database or the PIN keyring.",
        ),
    ] = None,
    limit: LimitOpt = None,
    everything: AllOpt = False,
    raw: RawOpt = False,
) -> None:
    """Export members, chores, completions or the ledger (CSV by default).

    Rows stream as they are read, so memory stays flat however long the
    history. With --output the file appears whole or not at all. Every row
    is exported (--limit N: the latest N), but --format table shows the
    latest 50 unless --all or --limit says otherwise.

    --since and --until (both days included) pick members and chores by when
    they were added, ledger entries by when they were made, completions by
    when they were done, and a missed period by its due date (the due column),
    not by the night reset recorded it.
    """
    from chorectl.services import export as export_service

    st = state(ctx)
    today = local_date(now())
    first, last = parse_days(since, until, today=today)
    filters = {"today": today, "since": first, "until": last, "member": member, "chore": chore}
    row_type = EXPORTS[kind.value]

    def rows_of(n: int | None, upto: int | None = None):
        return export_service.rows(st.uow(), kind.value, latest=n, upto=upto, **filters)

    def count(upto: int | None = None) -> int:
        return export_service.count(st.uow(), kind.value, upto=upto, **filters)

    if output is None:
        render.emit_window(
            row_type,
            rows_of,
            count,
            fmt,
            limit=limit,
            everything=everything,
            noun=f"{kind.value} rows",
            currency=st.currency(),
            raw=raw,
        )
        return
    if fmt is Format.table:
        raise BadInput("a table is for the terminal, not for --output", hint="-f csv, tsv, json or jsonl")
    rows = rows_of(limit)
    total = (count() if limit is None else min(limit, count())) if sys.stderr.isatty() else None
    written = write_atomically(
        output,
        lambda out, tick: render.write_rows(row_type, rows, fmt, out, raw=raw, on_row=tick),
        total,
        db=st.db_path,
    )
    message(f"Wrote {written} {kind.value} rows to {output}.")


def write_atomically(path: Path, write, total: int | None, *, db: Path, what: str = "export") -> int:
    """Write through a temp file in the same folder, then rename it into place.

    An interrupted export leaves the old file (or none), never half a file.
    *write(out, tick)* writes the rows and calls *tick()* once per row (tick is None
    when there is no progress bar to show). *path*
    must be a regular file or a new name, and not the database *db*, its
    journals or the PIN keyring (the rule backup follows too). *what* names the file in errors.
    """
    from chorectl.services.targets import check_target

    path = check_target(path, db=db, what=what)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise StorageError(f"cannot write in {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            with _progress(total) as tick:
                count = write(out, tick)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise StorageError(f"cannot write {path}: {exc.strerror}") from None
        raise
    return count


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _progress:
    """A Rich progress bar on stderr, only on a terminal and only when the total is known."""

    def __init__(self, total: int | None) -> None:
        self.total = total
        self.bar = None
        self.seen = 0

    def __enter__(self):
        if self.total is None:
            return None  # no bar: write_rows then counts whole batches
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self.bar = Progress(
            "Exporting",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=render.console(stderr=True),
            transient=True,
        )
        self.bar.start()
        self.task = self.bar.add_task("export", total=self.total)
        return self.tick

    def tick(self) -> None:
        self.seen += 1
        if self.seen % 1000 == 0:
            self.bar.update(self.task, completed=self.seen)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
