"""Ids minted from pooled kernel randomness: valid version-4 UUIDs, never repeated."""

import os
import threading
import uuid

from shouwang.common.ids import uuid4_text


def test_ids_are_canonical_version_4_uuids():
    for _ in range(1000):
        text = uuid4_text()
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_no_id_repeats_across_threads_and_pool_refills():
    minted: list[list[str]] = [[] for _ in range(4)]

    def mint(into: list[str]) -> None:
        into.extend(uuid4_text() for _ in range(5000))  # ~20 refills of the pool each

    threads = [threading.Thread(target=mint, args=(out,)) for out in minted]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for out in minted for i in out]
    assert len(set(every)) == len(every) == 20000


def test_a_forked_child_does_not_reuse_the_parents_pool():
    uuid4_text()  # the parent now holds a pool
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, uuid4_text().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child != uuid4_text()
