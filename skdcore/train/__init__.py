"""A minimal array-agnostic training loop: multi-stage magnitude pruning with
probability-domain distillation, and the measurements that put the paper's
Theorems VII.1, VII.3, VIII.3 and IX.1 to an empirical test.

One module per idea: :mod:`.mlp` (network, hand-written backward),
:mod:`.optim` (Adam), :mod:`.pruning` (masks and schedules), :mod:`.data`
(digits, Gaussian mixtures), :mod:`.kd` (targets q = F_T(p) and the KD loss),
:mod:`.loop` (the experiment), :mod:`.measurements` (the theorem checks),
:mod:`.plots` (PNG figures).
"""

from .data import DATASETS, Dataset, digits, gaussian_mixture
from .kd import COMPLETIONS, KD_LOSSES, resolve_loss, soft_targets
from .loop import DistillConfig, device_namespace, prune_and_distil, run_distillation, train
from .mlp import MLP
from .optim import Adam
from .pruning import SCHEDULES, SCOPES, apply_masks, magnitude_masks, sparsity_schedule

__all__ = [
    "MLP",
    "Adam",
    "SCHEDULES",
    "SCOPES",
    "sparsity_schedule",
    "magnitude_masks",
    "apply_masks",
    "DATASETS",
    "Dataset",
    "digits",
    "gaussian_mixture",
    "KD_LOSSES",
    "COMPLETIONS",
    "resolve_loss",
    "soft_targets",
    "DistillConfig",
    "device_namespace",
    "train",
    "prune_and_distil",
    "run_distillation",
]
