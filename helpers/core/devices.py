"""Devices without side effects: precision and strategy chosen without initialising CUDA, and where to predict.

A notebook that trains on several GPUs uses Lightning's `ddp_notebook`, which forks the kernel's process; a fork
is refused once that process has initialised CUDA. Everything here therefore reads the GPUs through
`nvidia-smi` or the NVML-based device count, never through calls that create a CUDA context.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import torch

FORK_STRATEGIES = ("ddp_notebook", "ddp_fork")


def in_notebook() -> bool:
    """True inside a Jupyter or Colab kernel."""
    return "ipykernel" in sys.modules


def count_devices(devices: Any) -> int:
    """How many devices a Trainer `devices` value asks for (1 for "auto" without GPUs)."""
    if devices in ("auto", -1, "-1"):
        return max(1, torch.cuda.device_count())
    if isinstance(devices, str):
        return len([d for d in devices.split(",") if d.strip()]) if "," in devices else int(devices)
    return devices if isinstance(devices, int) else len(devices)


def pick_strategy(strategy: str, devices: Any, accelerator: str = "auto") -> str:
    """`ddp_notebook` for several GPUs inside a notebook (plain DDP cannot start there), else as given."""
    if strategy != "auto" or accelerator == "cpu" or not torch.cuda.is_available() or not in_notebook():
        return strategy
    return "ddp_notebook" if count_devices(devices) > 1 else strategy


def parse_compute_capability(text: str) -> tuple[int, int] | None:
    """The first `major.minor` line of `nvidia-smi --query-gpu=compute_cap` output, or None."""
    for line in text.split():
        major, dot, minor = line.strip().partition(".")
        if dot and major.isdigit() and minor.isdigit():
            return int(major), int(minor)
    return None


def gpu_compute_capability() -> tuple[int, int] | None:
    """Compute capability of the first GPU, read with nvidia-smi so that this process does not initialise CUDA."""
    if torch.cuda.is_initialized():  # already initialised: asking torch costs nothing more
        return torch.cuda.get_device_capability()
    try:
        done = subprocess.run(["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_compute_capability(done.stdout) if done.returncode == 0 else None


def pick_precision(requested: str = "auto", accelerator: str = "auto", strategy: str = "auto") -> str:
    """bf16-mixed on GPUs that have bf16 (compute capability 8+), 16-mixed on older ones such as a T4, else 32-true.

    The GPU is read with nvidia-smi. Without nvidia-smi, torch is asked, unless the run forks its processes
    (`ddp_notebook`, `ddp_fork`): asking would initialise CUDA and the fork would be refused, so 16-mixed, which
    every CUDA GPU runs, is chosen and said.
    """
    if requested != "auto":
        return requested
    if accelerator not in ("auto", "gpu", "cuda") or not torch.cuda.is_available():
        return "32-true"
    capability = gpu_compute_capability()
    if capability is None and strategy in FORK_STRATEGIES:
        print("nvidia-smi가 없어 GPU 세대를 알 수 없습니다: 16-mixed를 씁니다 (precision='bf16-mixed'로 바꿀 수 있습니다). "
              "| nvidia-smi not found: using 16-mixed")
        return "16-mixed"
    major, _ = capability if capability is not None else torch.cuda.get_device_capability()
    return "bf16-mixed" if major >= 8 else "16-mixed"


def may_initialise_cuda() -> bool:
    """False in a notebook whose several GPUs are still untouched: it may yet fork `ddp_notebook` workers."""
    return torch.cuda.is_initialized() or not (in_notebook() and torch.cuda.device_count() > 1)


def inference_device() -> torch.device:
    """The GPU when there is one (and using it cannot spoil a later multi-GPU notebook fit), else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() and may_initialise_cuda() else "cpu")


def to_inference_device(model: torch.nn.Module) -> torch.device:
    """Move `model` to the inference device (Lightning leaves it on the CPU after fit) and return that device."""
    current = next(model.parameters()).device
    target = inference_device()
    if current.type != target.type:
        model.to(target)
        return target
    return current
