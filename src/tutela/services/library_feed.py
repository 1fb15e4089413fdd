"""Reading a library file in a forked child while this process inserts.

Parsing and inserting both need the GIL, so in one process they take turns; in two they run side by side.
The child sends ``RowBatch`` records through a pipe, which holds at most one batch in flight: memory stays
bounded whatever the file's size. The parent keeps the only database connection in use.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection

from tutela.formats.entries import ParsedRow, entry_records
from tutela.store.library import RowBatch, row_batches


def batches_from_child(reader: Iterable[ParsedRow], warnings: list[str]) -> Iterator[RowBatch]:
    """``row_batches`` of the reader's rows made in a child process; ``warnings`` becomes its final warnings."""
    context = multiprocessing.get_context("fork")  # the reader (open file, header read) is inherited as it is
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_parse, args=(reader, sending), name="library-reader", daemon=True)
    child.start()
    sending.close()
    try:
        while True:
            try:
                kind, payload = receiving.recv()
            except EOFError:
                raise RuntimeError("the library reader process stopped unexpectedly") from None
            if kind == "batch":
                yield payload
            elif kind == "done":
                warnings[:] = payload
                return
            else:
                raise payload
    finally:
        receiving.close()
        if child.is_alive() and child.exitcode is None:
            child.terminate()  # the import stopped early (error or interrupt): the rest is not wanted
        child.join()


def _parse(reader: Iterable[ParsedRow], sending: Connection) -> None:
    # The fork copied the parent's open database connections: finalising one here could touch its files.
    gc.disable()
    try:
        for batch in row_batches(entry_records(reader)):
            sending.send(("batch", batch))
        sending.send(("done", list(getattr(reader, "warnings", []))))
    except BaseException as error:  # every failure goes back to the parent, which raises it
        sending.send(("error", _portable(error)))
    finally:
        sending.close()


def _portable(error: BaseException) -> BaseException:
    """``error`` if it survives pickling, else a RuntimeError that names it."""
    try:
        return pickle.loads(pickle.dumps(error))
    except Exception:  # any exception type may refuse to pickle
        return RuntimeError(f"{type(error).__name__}: {error}")
