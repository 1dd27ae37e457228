"""Fingerprints of the code a workflow step runs: its script and every package module the script reaches.

Each rule passes the fingerprint of its script as a param, so Snakemake reruns
a step exactly when the code it runs changes, judged by content: the modules
are found by following the imports (at any depth, including those inside
functions) from the script, never from a list kept by hand. A module that
hands work to another by name (the warm trainer's jobs) names it as an entry.

Each file is hashed as its syntax tree without docstrings, so reformatting,
comments and documentation rerun nothing, while any change to what the code
does reruns the step. The tree is written out by `_dump`, not `ast.dump`,
whose text changes between Python versions (3.12 added empty `type_params`,
3.13 leaves out empty fields): the same code gives the same fingerprint under
Python 3.10 to 3.13 (tested), so a Python upgrade retrains nothing by itself.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
NAME = PACKAGE.name


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


def _dump(node) -> str:
    """A node as text, leaving out the empty fields whose presence differs between Python versions."""
    if isinstance(node, ast.AST):
        fields = (
            f"{name}={_dump(value)}" for name, value in ast.iter_fields(node) if value is not None and value != []
        )
        return f"{type(node).__name__}({','.join(fields)})"
    if isinstance(node, list):
        return f"[{','.join(_dump(item) for item in node)}]"
    return repr(node)


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def module_fingerprint(source: str) -> str:
    return hashlib.sha256(_dump(_without_docstrings(ast.parse(source))).encode()).hexdigest()


def module_path(name: str) -> Path | None:
    """The file of a package module ('hpstudy.report.claims'), or of a problem module outside the
    package that an entry names ('mystudy.spirals') and of its own package; None if it is neither."""
    parts = name.split(".")
    if parts[0] != NAME:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):  # a parent that is no package, or does not exist
            return None
        return Path(spec.origin) if spec and spec.origin and spec.origin.endswith(".py") else None
    parts = parts[1:]
    candidates = [PACKAGE.joinpath(*parts, "__init__.py")]
    if parts:
        candidates.insert(0, PACKAGE.joinpath(*parts[:-1], f"{parts[-1]}.py"))
    return next((path for path in candidates if path.is_file()), None)


def _package_of(path: Path) -> str | None:
    """'hpstudy.report' for a module in src/hpstudy/report/; None for a file outside the package."""
    try:
        relative = path.resolve().parent.relative_to(PACKAGE)
    except ValueError:
        return None
    return ".".join([NAME, *relative.parts])


def imported_modules(path: Path, name: str | None = None, roots: frozenset[str] = frozenset()) -> set[str]:
    """The modules a file imports, anywhere in it, of the package or of the top-level packages
    `roots` (those of a user's own problem module); `name`: the file's module, for its relative imports."""
    if _package_of(path):
        return set(_package_module(path)[0])
    package = None
    if name:
        package = name if path.name == "__init__.py" else name.rpartition(".")[0] or None
    return _imports(path, package, roots | {NAME})


@functools.cache
def _package_module(path: Path) -> tuple[frozenset[str], str]:
    """A package module's imports and fingerprint, worked out once per process: every rule's
    fingerprint reaches most of the same modules, and Snakemake computes them all at start-up."""
    return frozenset(_imports(path, _package_of(path), frozenset({NAME}))), module_fingerprint(
        path.read_text(encoding="utf-8")
    )


def _fingerprint_of(path: Path) -> str:
    return _package_module(path)[1] if _package_of(path) else module_fingerprint(path.read_text(encoding="utf-8"))


def _imports(path: Path, package: str | None, roots: frozenset[str]) -> set[str]:
    """The modules under `roots` that the file (of `package`, for relative imports) imports."""
    found = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] in roots)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the file's own package, up level - 1
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]) if package else None
                base = f"{base}.{node.module}" if base and node.module else base
            else:
                base = node.module
            if not base or base.split(".")[0] not in roots:
                continue
            for alias in node.names:  # `from hpstudy.engine import train`: a module; `from .train import step`: a name
                found.add(f"{base}.{alias.name}" if module_path(f"{base}.{alias.name}") else base)
    return found


def reachable_files(script: Path, entries: tuple[str, ...] = (), without: tuple[str, ...] = ()) -> dict[str, Path]:
    """The script and every package module reachable from it (and from `entries`) by imports, by name;
    never the (sub)packages `without` nor what only they reach."""
    files = {script.name: script}
    # a problem module of one's own: its own package's modules count too
    roots = frozenset(entry.split(".")[0] for entry in entries) - {NAME}
    pending = sorted(imported_modules(script) | set(entries))
    while pending:
        name = pending.pop()
        if any(name == part or name.startswith(f"{part}.") for part in without):
            continue
        path = module_path(name)
        if path is None:
            raise ValueError(f"{name}: no such module in {PACKAGE}")
        if name not in files:
            files[name] = path
            pending.extend(sorted(imported_modules(path, name, roots) - set(files)))
    return files


@functools.cache
def code_fingerprint(script: str | Path, *entries: str, without: tuple[str, ...] = ()) -> str:
    """12 hex digits over the script and the modules it reaches, in a fixed order.

    `entries`: modules the script's code runs without importing them by name (a problem's module).
    `without`: packages whose code cannot change what the step makes: a problem module draws its
    figures with the report's code, which a training step never runs."""
    digest = hashlib.sha256()
    for name, path in sorted(reachable_files(Path(script), entries, without).items()):
        digest.update(f"{name}:{_fingerprint_of(path)}\n".encode())
    return digest.hexdigest()[:12]
