"""K independent copies of a study network, trained in one pass.

`stack(models)` turns K plain networks of the same shape into one network
whose parameters are the K networks' parameters stacked: linear layers become
batched matrix products, convolutions become grouped convolutions
(`groups=K`). Replica k sees only its own inputs and parameters, so with a
loss that is the sum of the replicas' mean losses each replica gets exactly the
gradient it would get alone, and the element-wise optimizers (SGD, Adam,
RMSprop) move it along the same trajectory.

Inputs and outputs carry the replica first: (K, N, features) -> (K, N, outputs).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .models import Regressor, gaussian_head


class StackedLinear(nn.Module):
    def __init__(self, layers: list[nn.Linear]):
        super().__init__()
        # (K, out, in), as nn.Linear stores it: the same layout gives the same rounding
        self.weight = nn.Parameter(torch.stack([layer.weight.detach() for layer in layers]))
        self.bias = nn.Parameter(torch.stack([layer.bias.detach() for layer in layers]).unsqueeze(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (K, N, in) -> (K, N, out)
        return torch.baddbmm(self.bias, x, self.weight.transpose(1, 2))


class StackedConv2d(nn.Module):
    def __init__(self, layers: list[nn.Conv2d]):
        super().__init__()
        first = layers[0]
        self.replicas, self.in_channels, self.padding = len(layers), first.in_channels, first.padding
        self.weight = nn.Parameter(torch.cat([layer.weight.detach() for layer in layers]))
        self.bias = nn.Parameter(torch.cat([layer.bias.detach() for layer in layers]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, K*in, H, W) -> (N, K*out, H', W')
        return F.conv2d(x, self.weight, self.bias, padding=self.padding, groups=self.replicas)


class ReplicaNet(nn.Module):
    """The leaves of the plain networks, stacked, applied in order."""

    def __init__(self, models: list[nn.Module]):
        super().__init__()
        per_model = [[m for m in model.modules() if not list(m.children())] for model in models]
        layers = []
        for same_layer in zip(*per_model, strict=True):
            first = same_layer[0]
            if isinstance(first, nn.Linear):
                layers.append(StackedLinear(list(same_layer)))
            elif isinstance(first, nn.Conv2d):
                layers.append(StackedConv2d(list(same_layer)))
            else:  # activations, Flatten, Unflatten: parameter-free, shared
                layers.append(first)
        self.layers = nn.ModuleList(layers)
        self.replicas = len(models)
        self.gaussian = isinstance(models[0], Regressor) and models[0].gaussian
        self.single_output = isinstance(models[0], Regressor) and not models[0].gaussian

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        replicas, n = x.shape[:2]
        image_shape = None
        for layer in self.layers:
            if isinstance(layer, nn.Unflatten):
                image_shape = layer.unflattened_size  # (channels, height, width)
            elif isinstance(layer, nn.Flatten):
                continue
            elif isinstance(layer, StackedConv2d):
                if x.dim() == 3:  # (K, N, C*H*W) -> (N, K*C, H, W): replica k in channel group k
                    channels, height, width = image_shape
                    x = x.transpose(0, 1).reshape(n, replicas * channels, height, width)
                x = layer(x)
            elif isinstance(layer, StackedLinear):
                if x.dim() == 4:  # (N, K*C, H, W) -> (K, N, C*H*W)
                    x = x.reshape(n, replicas, -1).transpose(0, 1)
                x = layer(x)
            else:
                x = layer(x)
        if self.gaussian:
            return gaussian_head(x)
        return x[..., 0] if self.single_output else x


def stack(models: list[nn.Module]) -> ReplicaNet:
    return ReplicaNet(models)
