"""The producer's partitioner keeps each key's hash, and sends every key where aiokafka would."""

import random

from aiokafka.partitioner import DefaultPartitioner
from shouwang.common.kafka.producer import keyed_partitioner


def test_every_key_lands_on_the_partition_the_default_partitioner_picks():
    rng = random.Random(20)
    keys = [b"231226100", b"231226", b"", "阁山镇".encode()] + [
        rng.randbytes(rng.randint(1, 40)) for _ in range(2000)
    ]
    for count in (1, 3, 6, 12):
        partitions = list(range(count))
        for key in keys + keys:  # the second time from the kept hash
            expected = DefaultPartitioner()(key, partitions, partitions)
            assert keyed_partitioner(key, partitions, partitions) == expected, (key, count)


def test_no_key_goes_to_an_available_partition():
    picked = {keyed_partitioner(None, [0, 1, 2, 3, 4, 5], [2, 4]) for _ in range(200)}
    assert picked == {2, 4}
