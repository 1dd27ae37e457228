"""The engine's optimizers against torch.optim, and what training imports."""

import subprocess
import sys

import pytest
import torch

from hpstudy.engine.optimizers import OPTIMIZERS
from hpstudy.engine.reference import TORCH_OPTIMIZERS


@pytest.mark.parametrize("name,lr", [("sgd", 0.1), ("adam", 0.001), ("rmsprop", 0.001)])
def test_each_update_follows_torch_optim(name, lr):
    torch.manual_seed(0)
    shapes = [(3, 4, 5), (3, 1, 5), (7,)]
    ours = [torch.randn(shape) for shape in shapes]
    theirs = [p.clone().requires_grad_() for p in ours]
    optimizer, reference = OPTIMIZERS[name](ours, lr=lr), TORCH_OPTIMIZERS[name](theirs, lr=lr)
    for _ in range(25):
        grads = [torch.randn(shape) * 3 for shape in shapes]
        for p, q, g in zip(ours, theirs, grads):
            p.grad, q.grad = g.clone(), g.clone()
        optimizer.step()
        reference.step()
    for p, q in zip(ours, theirs):
        assert not torch.equal(p, torch.zeros_like(p))
        torch.testing.assert_close(p, q.detach(), rtol=1e-6, atol=1e-7)


def test_training_does_not_import_the_compiler_stack():
    """torch._dynamo and torch._inductor cost a training job 1.2-1.5 s each to import."""
    code = """
import sys, torch
sys.path.insert(0, "tests")
from synthetic import house_splits, problem
from hpstudy.engine import train
train.configure_torch(1)
params = dict(architecture="mlp", hidden_layers=1, width=4, activation="relu", optimizer="adam",
              learning_rate=0.01, batch_size=10, epochs=1, loss="gaussian_nll")
train.train_run(problem("house"), params, house_splits(30, 10, 10), [0, 1], torch.device("cpu"), log=lambda m: None)
print(sorted(m for m in sys.modules if m.startswith(("torch._dynamo", "torch._inductor"))))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
