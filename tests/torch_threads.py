"""A fixture for tests that train: one torch thread per process while they run."""

import pytest
import torch


@pytest.fixture(scope="module")
def one_torch_thread():
    """One intra-op thread: on a shared 2-core runner two threads per process thrash (steps get 10x slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
