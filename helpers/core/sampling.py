"""Which rows go into which training batch, on which process: shuffled and length-grouped batches under DDP."""

from __future__ import annotations

import random
from typing import Iterator, Sequence

import torch
import torch.distributed as dist
from torch.utils.data import Sampler


def process_rank_and_count() -> tuple[int, int]:
    """(rank, world size) of this process: from torch.distributed when a process group is up, else (0, 1)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def cut_into_batches(order: Sequence[int], batch_size: int) -> list[list[int]]:
    """Consecutive batches of `batch_size` rows of `order` (the last one may be shorter)."""
    return [list(order[i : i + batch_size]) for i in range(0, len(order), batch_size)]


def share_of_batches(batches: list[list[int]], rank: int, world: int) -> list[list[int]]:
    """Batches rank, rank + world, ... of `batches`, the list first filled up to a multiple of `world`.

    Every process then runs the same number of steps (DDP steps must stay in lockstep): the missing ones are the
    first batches of the order again, so at most world - 1 batches per epoch are trained on twice and none is left out.
    """
    if not batches:
        return []
    per_process = -(-len(batches) // world)
    filled = [batches[i % len(batches)] for i in range(per_process * world)]
    return filled[rank::world]


class ShuffledBatchSampler(Sampler[list[int]]):
    """Batches of one random order drawn from (seed, epoch) only; under DDP each process takes whole batches of it.

    Every process draws the same order (the seed is shared) and keeps its share (see share_of_batches), so the
    processes see disjoint batches. Rank and world size come from torch.distributed when the iterator is made
    (Lightning has set up the process group by then), unless given. Give this to DataLoader as batch_sampler.
    """

    def __init__(self, num_rows: int, batch_size: int, seed: int = 0, num_replicas: int | None = None,
                 rank: int | None = None) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.num_rows, self.batch_size, self.seed, self.epoch = num_rows, batch_size, seed, 0
        self.num_replicas, self.rank = num_replicas, rank

    @property
    def sampler(self) -> ShuffledBatchSampler:
        """Itself: Lightning calls set_epoch on `batch_sampler.sampler` (fabric.utilities.data._set_sampler_epoch)."""
        return self

    def set_epoch(self, epoch: int) -> None:
        """Draw the order of `epoch` from now on (Lightning calls this at the start of each epoch)."""
        self.epoch = epoch

    def replicas(self) -> tuple[int, int]:
        """(rank, world size) this sampler serves: the ones given, else this process's."""
        rank, world = process_rank_and_count()
        return (rank if self.rank is None else self.rank), (world if self.num_replicas is None else self.num_replicas)

    def epoch_batches(self) -> list[list[int]]:
        """All batches of this epoch, in training order, before they are shared out between processes."""
        order = torch.randperm(self.num_rows, generator=torch.Generator().manual_seed(self.seed + self.epoch))
        return cut_into_batches(order.tolist(), self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        return iter(share_of_batches(self.epoch_batches(), *self.replicas()))

    def __len__(self) -> int:
        batches = -(-self.num_rows // self.batch_size)
        return -(-batches // self.replicas()[1])


class LengthGroupedSampler(ShuffledBatchSampler):
    """Shuffled batches of similar length: shuffle, sort within chunks of 50 batches, cut, shuffle the batches.

    It yields whole batches (a batch sampler), so the one short batch of a chunk stays one batch wherever the
    shuffle puts it instead of shifting every later batch boundary (which made mixed-length batches again).
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, seed: int = 0, chunk_batches: int = 50,
                 num_replicas: int | None = None, rank: int | None = None) -> None:
        super().__init__(len(lengths), batch_size, seed, num_replicas, rank)
        self.lengths = [int(n) for n in lengths]  # a list or a numpy array of row lengths
        self.chunk = chunk_batches

    def epoch_batches(self) -> list[list[int]]:
        rng = random.Random(self.seed + self.epoch)
        order = list(range(len(self.lengths)))
        rng.shuffle(order)
        size = self.batch_size * self.chunk
        batches: list[list[int]] = []
        for start in range(0, len(order), size):
            chunk = sorted(order[start : start + size], key=self.lengths.__getitem__)
            batches += cut_into_batches(chunk, self.batch_size)
        rng.shuffle(batches)
        return batches

