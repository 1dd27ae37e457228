"""The problems a study trains on, one module each, registered by name.

A problem named `<name>` in the config is the module `hpstudy.problems.<name>` (built in:
usps, house, spirals), or the module its config section names (`module: mypackage.myproblem`,
importable where the workflow runs). Either way the module's `PROBLEM` is an instance of
`hpstudy.problems.base.Classification` or `Regression`.

Modules are imported by name, never listed here: the workflow fingerprints each job's
code by following imports, so a rule of one problem reruns when that problem's module
changes, and no other problem's.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from hpstudy.errors import ConfigError, did_you_mean

NOT_PROBLEMS = {"base"}


def builtin() -> list[str]:
    """The problems that come with the package."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in NOT_PROBLEMS)


def module_name(name: str, section: dict | None = None) -> str:
    """The module of the config's problem `name`, whose config section is `section`."""
    return (section or {}).get("module") or f"{__name__}.{name}"


class NoSuchProblem(ConfigError):
    """No module of that name: the config names a problem that does not exist (or is not importable)."""


@functools.cache
def load(module: str):
    """The `PROBLEM` of a problem module, by the module's dotted name."""
    from hpstudy.problems.base import Problem, check_vocabulary

    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name is None or not (module == error.name or module.startswith(f"{error.name}.")):
            raise  # the module exists, and something it imports does not
        raise NoSuchProblem(f"no problem module {module} (not importable: no module named {error.name})") from None
    problem = getattr(found, "PROBLEM", None)
    if problem is None:
        raise ConfigError(f"{module} is not a problem module: it has no PROBLEM")
    if not isinstance(problem, Problem):
        raise ConfigError(f"{module}.PROBLEM is not a Classification or Regression (hpstudy.problems.base)")
    wrong = check_vocabulary(problem, module)
    if wrong:
        raise ConfigError("; ".join(wrong))
    return problem


def of_config(name: str, section: dict, where: str):
    """The problem the config's `problems.<name>` section means, or a ConfigError that says how to name one."""
    try:
        return load(module_name(name, section))
    except NoSuchProblem as error:
        if "module" in section:
            raise ConfigError(f"{where}.module: {error}; give the dotted name of an importable module") from None
        known = builtin()
        raise ConfigError(
            f"{where}: unknown problem {name!r}{did_you_mean(name, known)} (built in: {', '.join(known)}); "
            f"for a problem of your own, set {where}.module to its module (see README: Your own study)"
        ) from None
    except ConfigError as error:
        raise ConfigError(f"{where}: {error}") from None
