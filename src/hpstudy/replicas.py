"""K independent copies of a study network, trained in one pass.

`stack(models)` turns K plain networks of the same shape into one network
whose parameters are the K networks' parameters stacked: linear layers become
batched matrix products, convolutions become grouped convolutions
(`groups=K`), except a first convolution, which reads the data itself: its
image patches are cut once (`ReplicaNet.inputs`) and it becomes a batched
product with them. Replica k sees only its own inputs and parameters, so with
a loss that is the sum of the replicas' mean losses each replica gets exactly
the gradient it would get alone, and the element-wise optimizers (SGD, Adam,
RMSprop) move it along the same trajectory.

The network reads `net.inputs(x)`, computed once per dataset, and gathered
per replica: (K, N, features) -> (K, N, outputs).

The stacked layers compute their gradients by hand (`torch.autograd.Function`):
at the study's batch of 10, autograd's own backward of a batched product took
3-4 times as long, through transposed and copied gradients.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .models import Regressor, gaussian_head


class _ReplicaLinear(torch.autograd.Function):
    """x @ W^T + b per replica: x (K, N, in), W (K, out, in), b (K, 1, out)."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        return torch.baddbmm(bias, x, weight.transpose(1, 2))

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        grad_x = torch.bmm(grad, weight) if ctx.needs_input_grad[0] else None  # the data needs none
        return grad_x, torch.bmm(grad.transpose(1, 2), x), grad.sum(1, keepdim=True)


class _ReplicaPatchProduct(torch.autograd.Function):
    """A convolution as products with image patches: W (K, C, F) @ patches (K, N, F, L) + b (K, C).

    Returns (K, N, C*L), each sample's channels one after another, as Flatten lays them out."""

    @staticmethod
    def forward(ctx, patches, weight, bias):
        replicas, n, features, positions = patches.shape
        channels = weight.shape[1]
        patches = patches.reshape(replicas * n, features, positions)
        ctx.save_for_backward(patches, weight)
        # one (C, F) @ (F, L) product per sample: the output needs no reordering for the next layer
        w = weight.unsqueeze(1).expand(replicas, n, channels, features).reshape(replicas * n, channels, features)
        out = torch.bmm(w, patches).view(replicas, n, channels, positions)
        return out.add_(bias.view(replicas, 1, channels, 1)).view(replicas, n, channels * positions)

    @staticmethod
    def backward(ctx, grad):
        patches, weight = ctx.saved_tensors
        replicas, channels, features = weight.shape
        grad = grad.reshape(-1, channels, patches.shape[-1])  # (K*N, C, L)
        grad_weight = torch.bmm(grad, patches.transpose(1, 2)).view(replicas, -1, channels, features).sum(1)
        grad_bias = grad.view(replicas, -1, channels, patches.shape[-1]).sum((1, 3))
        return None, grad_weight, grad_bias  # the patches are data: no gradient


class StackedLinear(nn.Module):
    def __init__(self, layers: list[nn.Linear]):
        super().__init__()
        # (K, out, in), as nn.Linear stores it
        self.weight = nn.Parameter(torch.stack([layer.weight.detach() for layer in layers]))
        self.bias = nn.Parameter(torch.stack([layer.bias.detach() for layer in layers]).unsqueeze(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (K, N, in) -> (K, N, out)
        return _ReplicaLinear.apply(x, self.weight, self.bias)


class StackedConv2d(nn.Module):
    def __init__(self, layers: list[nn.Conv2d]):
        super().__init__()
        first = layers[0]
        self.replicas, self.padding, self.kernel_size = len(layers), first.padding, first.kernel_size
        self.weight = nn.Parameter(torch.cat([layer.weight.detach() for layer in layers]))
        self.bias = nn.Parameter(torch.cat([layer.bias.detach() for layer in layers]))

    def output_shape(self, image_shape: tuple[int, int, int]) -> tuple[int, int, int]:
        _, height, width = image_shape
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        return self.weight.shape[0] // self.replicas, height + 2 * ph - kh + 1, width + 2 * pw - kw + 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, K*in, H, W) -> (N, K*out, H', W')
        return F.conv2d(x, self.weight, self.bias, padding=self.padding, groups=self.replicas)

    def patches(self, images: torch.Tensor) -> torch.Tensor:
        """(N, in, H, W) -> (N, in*kh*kw, H'*W'): the inputs of `forward_patches`.

        F.unfold's values, as one strided copy: F.unfold took 8 times as long."""
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        windows = F.pad(images, (pw, pw, ph, ph)).unfold(2, kh, 1).unfold(3, kw, 1)  # (N, in, H', W', kh, kw)
        return windows.permute(0, 1, 4, 5, 2, 3).reshape(len(images), images.shape[1] * kh * kw, -1)

    def forward_patches(self, patches: torch.Tensor) -> torch.Tensor:  # (K, N, in*kh*kw, L) -> (K, N, out*L)
        replicas, n, features, positions = patches.shape
        if patches.stride(0) == 0:  # the same samples for every replica (evaluation): one product for all
            weight = self.weight.view(1, -1, features).expand(n, -1, -1)
            bias = self.bias.view(1, -1, 1).expand(n, -1, positions)
            out = torch.baddbmm(bias, weight, patches[0])  # (N, K*out, L)
            return out.view(n, replicas, -1).transpose(0, 1)
        weight = self.weight.view(replicas, -1, features)
        return _ReplicaPatchProduct.apply(patches, weight, self.bias.view(replicas, -1))


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
        # a CNN's Unflatten and first convolution read the data: they work on its patches
        self.reads_patches = isinstance(layers[0], nn.Unflatten) and isinstance(layers[1], StackedConv2d)

    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        """What the network reads of samples x (N, features): x, or a CNN's image patches (N, F, L)."""
        if not self.reads_patches:
            return x
        return self.layers[1].patches(x.view(len(x), *self.layers[0].unflattened_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (K, N, ...) from `inputs`
        replicas, n = x.shape[:2]
        layers = iter(self.layers)
        image_shape = None  # (channels, height, width) of the images flowing through the convolutions
        if self.reads_patches:
            unflatten, conv = next(layers), next(layers)
            x = conv.forward_patches(x)  # (K, N, C*H*W)
            image_shape = conv.output_shape(unflatten.unflattened_size)
        for layer in layers:
            if isinstance(layer, nn.Flatten):
                continue
            if isinstance(layer, StackedConv2d):
                if x.dim() == 3:  # (K, N, C*H*W) -> (N, K*C, H, W): replica k in channel group k
                    x = x.reshape(replicas, n, *image_shape).transpose(0, 1).reshape(n, -1, *image_shape[1:])
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
