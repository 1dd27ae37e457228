"""The study's three optimizers, as torch's own update rules on the stacked parameters.

Each update is element-wise, so every replica follows the trajectory torch.optim
would give its plain network; the equivalence tests train the plain networks with
torch.optim itself (see `reference`). The rules are torch's single-tensor ones with
torch's defaults, the only settings the study uses: SGD without momentum, Adam with
betas (0.9, 0.999) and eps 1e-8, RMSprop with alpha 0.99 and eps 1e-8, no weight
decay.

Why not torch.optim: its optimizers import the torch.compile stack (torch._dynamo)
when first used, 1.3 s per training job here, longer than training most of the
study's house-price runs; and a step is a few fused `_foreach` calls here instead of
Python loops over parameters and state.
"""

from __future__ import annotations

import torch


class SGD:
    def __init__(self, params, lr: float):
        self.params, self.lr = list(params), lr

    def grads(self) -> list[torch.Tensor]:
        return [p.grad for p in self.params]

    def step(self) -> None:
        torch._foreach_add_(self.params, self.grads(), alpha=-self.lr)


class Adam(SGD):
    BETAS, EPS = (0.9, 0.999), 1e-8

    def __init__(self, params, lr: float):
        super().__init__(params, lr)
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        self.steps = 0

    def step(self) -> None:
        beta1, beta2 = self.BETAS
        grads = self.grads()
        self.steps += 1
        torch._foreach_lerp_(self.exp_avg, grads, 1 - beta1)
        torch._foreach_mul_(self.exp_avg_sq, beta2)
        torch._foreach_addcmul_(self.exp_avg_sq, grads, grads, value=1 - beta2)
        denom = torch._foreach_sqrt(self.exp_avg_sq)
        torch._foreach_div_(denom, (1 - beta2**self.steps) ** 0.5)
        torch._foreach_add_(denom, self.EPS)
        torch._foreach_addcdiv_(self.params, self.exp_avg, denom, value=-self.lr / (1 - beta1**self.steps))


class RMSprop(SGD):
    ALPHA, EPS = 0.99, 1e-8

    def __init__(self, params, lr: float):
        super().__init__(params, lr)
        self.square_avg = [torch.zeros_like(p) for p in self.params]

    def step(self) -> None:
        grads = self.grads()
        torch._foreach_mul_(self.square_avg, self.ALPHA)
        torch._foreach_addcmul_(self.square_avg, grads, grads, value=1 - self.ALPHA)
        avg = torch._foreach_sqrt(self.square_avg)
        torch._foreach_add_(avg, self.EPS)
        torch._foreach_addcdiv_(self.params, grads, avg, value=-self.lr)


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}
