"""Worker processes (the import's preparers, the export's page makers) that
never outlive the command that started them.

`kill -9` of a command, or the OOM killer, gives it no chance to stop its
workers, and a worker of a process pool blocked on its queue would wait
forever (the queue's write end is open in the worker too). Each worker
therefore watches its parent: when the parent is gone (the worker has been
re-parented), it exits. Polling `getppid()` twice a second costs nothing and,
unlike Linux's PR_SET_PDEATHSIG, does not depend on which thread of the
parent started the worker.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

WATCH_EVERY = 0.5  # seconds


def process_pool(workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: the parent may hold database connections and threads.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_watch_parent, initargs=(os.getpid(),))  # fmt: skip


def _watch_parent(parent: int) -> None:
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True, name="watch-parent").start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_EVERY)
    os._exit(1)
