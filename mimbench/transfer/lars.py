"""``mimbench.LARS``: the LARS update of MAE's linear probing (mae.txt Table 10), as its release applies it.

LARS (You et al. 2017, mae.txt ref. 62) scales each tensor's step by a trust ratio
``eta * ||w|| / ||g + wd * w||``. MAE's release (util/lars.py) applies weight decay and the trust ratio only
to tensors with more than one dimension: biases and norm parameters take the plain momentum step. Its momentum
buffer accumulates the un-scaled update and the current lr multiplies the buffer, so a schedule's lr change
acts at once (mmpretrain's ``LARS`` folds the lr into the buffer instead, and needs ``lars_exclude`` per
parameter group to spare biases). Per tensor ``p`` with gradient ``g``::

    if p.ndim > 1:  g = (g + wd * p) * (eta * ||p|| / ||g + wd * p||)   # 1 when either norm is 0
    mu = momentum * mu + g
    p = p - lr * mu
"""
from __future__ import annotations

import torch
from torch.optim import Optimizer

from mimbench.registry import OPTIMIZERS


@OPTIMIZERS.register_module()
class LARS(Optimizer):
    """LARS without weight decay or trust ratio on 1-D tensors (MAE release util/lars.py).

    Args:
        params: parameters or parameter groups.
        lr: learning rate (MAE Table 10: 0.1 x batch / 256).
        weight_decay: decoupled into the update of >1-D tensors only (Table 10: 0).
        momentum: momentum of the un-scaled update (Table 10: 0.9).
        trust_coefficient: ``eta`` of the trust ratio (MAE: 0.001).
    """

    def __init__(self, params, lr: float = 0.0, weight_decay: float = 0.0, momentum: float = 0.9,
                 trust_coefficient: float = 0.001):
        if lr < 0 or weight_decay < 0 or not 0 <= momentum < 1 or trust_coefficient <= 0:
            raise ValueError(f'LARS: expected lr >= 0, weight_decay >= 0, 0 <= momentum < 1 and '
                             f'trust_coefficient > 0; got lr={lr}, weight_decay={weight_decay}, '
                             f'momentum={momentum}, trust_coefficient={trust_coefficient}')
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum,
                                      trust_coefficient=trust_coefficient))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group['params']:
                if p.grad is None:
                    continue
                update = p.grad
                if p.ndim > 1:   # not a bias or a norm parameter
                    update = update.add(p, alpha=group['weight_decay'])
                    param_norm, update_norm = torch.norm(p), torch.norm(update)
                    ratio = group['trust_coefficient'] * param_norm / update_norm
                    ratio = torch.where((param_norm > 0) & (update_norm > 0), ratio, torch.ones_like(ratio))
                    update = update.mul(ratio)
                state = self.state[p]
                if 'mu' not in state:
                    state['mu'] = torch.zeros_like(p)
                mu = state['mu']
                mu.mul_(group['momentum']).add_(update)
                p.add_(mu, alpha=-group['lr'])
        return loss
