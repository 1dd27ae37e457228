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

Training takes the gradients without autograd: `net(x, record=True)` records
how to take each layer's gradient, with the kernels autograd itself would call,
and `net.backward(grad)` sets every parameter's `.grad` from the gradient of
the outputs (the losses' gradients are in `losses.GRADIENTS`). At the study's
batch of 10 a step's time went to autograd's bookkeeping of a dozen small
nodes, not to arithmetic: a step took about half the time without it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from hpstudy.engine.models import Regressor, gaussian_head

# A tape entry: the gradient of a step's input from that of its output, also
# returning the gradients of the step's parameters. The flag says whether the
# input's gradient is wanted (not for the data).
Backward = Callable[[torch.Tensor, bool], tuple[torch.Tensor | None, list[torch.Tensor]]]

# the kernels autograd uses for these activations, from their output or input
ACTIVATION_BACKWARD = {
    nn.ReLU: lambda grad, x, out, layer: torch.ops.aten.threshold_backward(grad, out, 0),
    nn.LeakyReLU: lambda grad, x, out, layer: torch.ops.aten.leaky_relu_backward(grad, x, layer.negative_slope, False),
    nn.Tanh: lambda grad, x, out, layer: torch.ops.aten.tanh_backward(grad, out),
    nn.Sigmoid: lambda grad, x, out, layer: torch.ops.aten.sigmoid_backward(grad, out),
}


class StackedLinear(nn.Module):
    def __init__(self, layers: list[nn.Linear]):
        super().__init__()
        # (K, out, in), as nn.Linear stores it
        self.weight = nn.Parameter(torch.stack([layer.weight.detach() for layer in layers]))
        self.bias = nn.Parameter(torch.stack([layer.bias.detach() for layer in layers]).unsqueeze(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (K, N, in) -> (K, N, out)
        return torch.baddbmm(self.bias, x, self.weight.transpose(1, 2))

    def backward(self, x: torch.Tensor) -> Backward:
        def backward(grad, input_grad):
            grad_x = torch.bmm(grad, self.weight) if input_grad else None
            return grad_x, [torch.bmm(grad.transpose(1, 2), x), grad.sum(1, keepdim=True)]

        return backward


class StackedConv2d(nn.Module):
    def __init__(self, layers: list[nn.Conv2d]):
        super().__init__()
        first = layers[0]
        self.replicas, self.padding, self.kernel_size = len(layers), first.padding, first.kernel_size
        self.stride, self.dilation = first.stride, first.dilation
        self.weight = nn.Parameter(torch.cat([layer.weight.detach() for layer in layers]))
        self.bias = nn.Parameter(torch.cat([layer.bias.detach() for layer in layers]))

    def output_shape(self, image_shape: tuple[int, int, int]) -> tuple[int, int, int]:
        _, height, width = image_shape
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        return self.weight.shape[0] // self.replicas, height + 2 * ph - kh + 1, width + 2 * pw - kw + 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, K*in, H, W) -> (N, K*out, H', W')
        return F.conv2d(x, self.weight, self.bias, padding=self.padding, groups=self.replicas)

    def backward(self, x: torch.Tensor) -> Backward:
        def backward(grad, input_grad):
            grad_x, grad_weight, grad_bias = torch.ops.aten.convolution_backward(
                grad, x, self.weight, [self.bias.numel()], self.stride, self.padding, self.dilation,
                False, [0, 0], self.replicas, [input_grad, True, True],
            )  # fmt: skip
            return grad_x, [grad_weight, grad_bias]

        return backward

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
        # one (out, F) @ (F, L) product per sample: the output needs no reordering for the next layer
        weight = self.weight.view(replicas, 1, -1, features).expand(-1, n, -1, -1).reshape(replicas * n, -1, features)
        out = torch.bmm(weight, patches.view(replicas * n, features, positions)).view(replicas, n, -1, positions)
        return out.add_(self.bias.view(replicas, 1, -1, 1)).view(replicas, n, -1)

    def backward_patches(self, patches: torch.Tensor) -> Backward:
        replicas, n, features, positions = patches.shape

        def backward(grad, input_grad):  # the patches are data: no gradient
            grad = grad.reshape(replicas * n, -1, positions)
            grad_weight = torch.bmm(grad, patches.view(replicas * n, features, positions).transpose(1, 2))
            grad_weight = grad_weight.view(replicas, n, -1).sum(1).view_as(self.weight)
            return None, [grad_weight, grad.view(replicas, n, -1, positions).sum((1, 3)).view(-1)]

        return backward


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
        self.tape: list[Backward] | None = None  # of the last recorded forward
        self.raw_output: torch.Tensor | None = None  # its outputs before the Gaussian head

    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        """What the network reads of samples x (N, features): x, or a CNN's image patches (N, F, L)."""
        if not self.reads_patches:
            return x
        return self.layers[1].patches(x.view(len(x), *self.layers[0].unflattened_size))

    def forward(self, x: torch.Tensor, record: bool = False) -> torch.Tensor:  # (K, N, ...) from `inputs`
        """The replicas' outputs; `record` keeps what `backward` needs."""
        self.tape = [] if record else None
        raw = self.raw_output = self.layers_forward(x, self.tape)
        if self.gaussian:
            return gaussian_head(raw)
        return raw[..., 0] if self.single_output else raw

    def backward(self, grad: torch.Tensor) -> None:
        """Set every parameter's .grad from `grad`, the gradient of the last recorded forward's outputs."""
        if self.gaussian:  # through (mean, softplus(variance) + floor)
            raw = self.raw_output
            variance = torch.ops.aten.softplus_backward(grad[..., 1], raw[..., 1], 1, 20)
            grad = torch.stack([grad[..., 0], variance], dim=-1)
        elif self.single_output:
            grad = grad.unsqueeze(-1)
        tape, self.tape, self.raw_output = self.tape, None, None  # frees the step's activations
        per_step = []  # the parameters' gradients, last step first
        for i, backward in enumerate(reversed(tape)):
            grad, parameter_grads = backward(grad, i < len(tape) - 1)
            per_step.append(parameter_grads)
        grads = [g for parameter_grads in reversed(per_step) for g in parameter_grads]
        for parameter, parameter_grad in zip(self.parameters(), grads, strict=True):
            parameter.grad = parameter_grad

    def layers_forward(self, x: torch.Tensor, tape: list[Backward] | None) -> torch.Tensor:
        """The stacked layers, appending to `tape` how to take each step's gradient."""
        replicas = x.shape[0]
        layers = iter(self.layers)
        image_shape = None  # (channels, height, width) of the images flowing through the convolutions
        if self.reads_patches:
            unflatten, conv = next(layers), next(layers)
            if tape is not None:
                tape.append(conv.backward_patches(x))
            x = conv.forward_patches(x)  # (K, N, C*H*W)
            image_shape = conv.output_shape(unflatten.unflattened_size)
        for layer in layers:
            if isinstance(layer, nn.Flatten):
                continue
            if isinstance(layer, StackedConv2d) and x.dim() == 3:
                x = _rows_to_images(x, image_shape, tape)
            elif isinstance(layer, StackedLinear) and x.dim() == 4:
                x = _images_to_rows(x, replicas, tape)
            out = layer(x)
            if tape is not None:
                if isinstance(layer, StackedLinear | StackedConv2d):
                    tape.append(layer.backward(x))
                else:
                    tape.append(_activation_backward(layer, x, out))
            x = out
        return x


def _activation_backward(layer: nn.Module, x: torch.Tensor, out: torch.Tensor) -> Backward:
    return lambda grad, input_grad: (ACTIVATION_BACKWARD[type(layer)](grad, x, out, layer), [])


def _rows_to_images(x: torch.Tensor, image_shape: tuple, tape: list | None) -> torch.Tensor:
    """(K, N, C*H*W) -> (N, K*C, H, W): replica k in channel group k."""
    replicas, n = x.shape[:2]
    if tape is not None:
        tape.append(lambda grad, input_grad: (grad.reshape(n, replicas, -1).transpose(0, 1), []))
    return x.reshape(replicas, n, *image_shape).transpose(0, 1).reshape(n, -1, *image_shape[1:])


def _images_to_rows(x: torch.Tensor, replicas: int, tape: list | None) -> torch.Tensor:
    """(N, K*C, H, W) -> (K, N, C*H*W)."""
    shape = x.shape
    if tape is not None:
        tape.append(lambda grad, input_grad: (grad.transpose(0, 1).reshape(shape), []))
    return x.reshape(shape[0], replicas, -1).transpose(0, 1)


def stack(models: list[nn.Module]) -> ReplicaNet:
    return ReplicaNet(models)
