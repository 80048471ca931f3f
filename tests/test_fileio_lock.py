"""A fileio.locked() hazard found from the rc side, where folders awsmfa locks can go away.

fileio.locked(path) opens the folder of `path`, waits for flock on that descriptor, then sweeps
the temporary files it finds in the folder *by name*. When the folder is removed and made again
while it waits (fish's functions/ is removed by uninstall once empty, and made again by the
next install), the lock it ends up holding is on the removed folder: it excludes nobody, and the
sweep then lists the new folder and deletes the temporary file of the writer that really holds
that folder's lock, whose rename then fails.

install.py no longer reaches this (it locks the folder above an owned file first, see
install._locked), so this test calls fileio directly. It fails until fileio.locked checks,
once it holds the flock, that the descriptor is still the folder at that path (same st_dev and
st_ino from os.fstat(fd) and os.stat(folder)) and, if not, closes it and starts again.
"""
import os
import threading
import time

from awsshell_setup.core import fileio


def test_a_lock_on_a_folder_that_was_replaced_meanwhile_is_not_taken(tmp_path):
    folder = tmp_path / "functions"
    folder.mkdir()
    path = str(folder / "mfa.fish")
    events = {name: threading.Event() for name in ("held", "writing", "release", "finish")}
    outcome = {}

    def first_holder():  # an uninstall holding the old folder's lock
        with fileio.locked(path):
            events["held"].set()
            events["release"].wait(10)

    def waiter():  # an install that opened the old folder and waits for its lock
        with fileio.locked(path, timeout=10):
            outcome["waiter got the lock while the writer wrote"] = not events["finish"].is_set()

    def writer():  # an install that made the folder again and writes in it, under its lock
        with fileio.locked(path, timeout=10):
            temp = os.path.join(str(folder), ".mfa.fish.live" + fileio.TEMP_SUFFIX)
            with open(temp, "w") as handle:
                handle.write("# awsmfa: managed file\n")
            events["writing"].set()
            events["finish"].wait(10)
            try:
                os.replace(temp, path)
                outcome["writer's rename"] = "done"
            except FileNotFoundError:
                outcome["writer's rename"] = "its temporary file was swept away"

    holder = threading.Thread(target=first_holder)
    holder.start()
    events["held"].wait(10)
    waiting = threading.Thread(target=waiter)
    waiting.start()
    time.sleep(0.3)  # the waiter has opened the old folder and polls for the lock
    os.rmdir(folder)  # the uninstall removes the emptied folder...
    folder.mkdir()    # ...and another install makes it again
    writing = threading.Thread(target=writer)
    writing.start()
    events["writing"].wait(10)
    events["release"].set()  # the uninstall is done: the waiter gets the old folder's lock
    holder.join()
    time.sleep(0.3)
    events["finish"].set()
    writing.join()
    waiting.join()
    assert outcome == {"writer's rename": "done", "waiter got the lock while the writer wrote": False}, outcome
