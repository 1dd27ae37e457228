"""Fingerprints of the package code a workflow step runs.

The training rule passes the fingerprint of the modules that decide a run's
numbers as a param, so Snakemake retrains exactly when that code changes.
The fingerprint hashes the modules' syntax trees without docstrings, so
reformatting, comments and documentation never retrain; any change to what the
code does retrains.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

# The modules whose code decides a step's outputs, by step.
STEP_MODULES = {
    "prepare": ("usps", "house", "splits", "atomic"),
    "train": (
        "models",
        "losses",
        "replicas",
        "optimizers",
        "train",
        "train_job",
        "evaluate",
        "splits",
        "runio",
        "atomic",
    ),
    "time": ("timing", "models", "losses", "replicas", "optimizers", "train", "evaluate", "splits", "atomic"),
    "aggregate": ("aggregate", "hyperparameters", "stats", "atomic"),
    "report": (
        "report/claims",
        "report/compare",
        "report/context",
        "report/dataset_figures",
        "report/figures",
        "report/metrics",
        "report/model_figures",
        "report/narrative",
        "report/original",
        "report/provenance",
        "report/render",
        "aggregate",
        "fetch",
        "hyperparameters",
        "splits",
        "study",
        "stats",
        "timing",  # the method section states its protocol
        "atomic",
    ),
}


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return tree


def module_fingerprint(source: str) -> str:
    tree = _without_docstrings(ast.parse(source))
    return hashlib.sha256(ast.dump(tree, include_attributes=False).encode()).hexdigest()


@functools.cache
def code_fingerprint(step: str) -> str:
    """12 hex digits over the step's modules, in a fixed order."""
    digest = hashlib.sha256()
    for name in sorted(STEP_MODULES[step]):
        digest.update(f"{name}:{module_fingerprint((PACKAGE / f'{name}.py').read_text())}\n".encode())
    return digest.hexdigest()[:12]
