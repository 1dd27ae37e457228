"""Reading the config: repairs of values that arrive as strings, then every check.

`check_config` is what the workflow calls before it plans any job; each problem
it finds is reported with its key path and what to write instead.

Repairs (`coerce_command_line_values`):
- Snakemake parses `--config seeds=[0,1]` with YAML's BaseLoader, which keeps
  every list item a string; the study needs integers.
- YAML 1.1 (PyYAML, Snakemake's loader) reads `1e-3` as the string "1e-3",
  because it wants a dot in the mantissa (`1.0e-3`). In the study section such
  a string can only mean the number, so it becomes one.
Values that are already typed pass through unchanged.
"""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import yaml

from hpstudy import problems as registry
from hpstudy.engine import vocabulary
from hpstudy.errors import ConfigError, did_you_mean
from hpstudy.study.plan import Study, expand_study

SCIENTIFIC = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")


def _numbers_from_scientific_strings(value):
    if isinstance(value, dict):
        return {key: _numbers_from_scientific_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers_from_scientific_strings(item) for item in value]
    if isinstance(value, str) and SCIENTIFIC.match(value.strip()):
        return float(value)
    return value


def coerce_command_line_values(config: dict) -> dict:
    seeds = config.get("seeds")
    if isinstance(seeds, list):
        config["seeds"] = [int(s) if isinstance(s, str) and s.strip().lstrip("-").isdigit() else s for s in seeds]
    elif isinstance(seeds, int) and not isinstance(seeds, bool):
        config["seeds"] = [seeds]  # --config seeds=0
    if config.get("data_mirror") in ("", "null", "None"):
        config["data_mirror"] = None
    if config.get("warm_trainer") in ("true", "false"):  # Snakemake's --config reads only True/False as booleans
        config["warm_trainer"] = config["warm_trainer"] == "true"
    if "problems" in config:
        config["problems"] = _numbers_from_scientific_strings(config["problems"])
    return config


# ---- checking the configuration ---------------------------------------------

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "string": "text",
    "array": "a list",
    "object": "a mapping (key: value)",
    "null": "null",
    "boolean": "true or false",
}
BOUNDS = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}
MAX_MESSAGES = 20
VOCABULARY_ENUMS = {
    "architecture": vocabulary.ARCHITECTURES,
    "activation": vocabulary.ACTIVATIONS,
    "optimizer": vocabulary.OPTIMIZERS,
    "loss": vocabulary.LOSSES,
}


def key_path(parts) -> str:
    """['problems', 'usps', 'values', 2] -> 'problems.usps.values[2]'; keys with dots are quoted."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif IDENTIFIER.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text or "the top level"


def _type_names(types) -> str:
    return " or ".join(TYPE_NAMES.get(t, t) for t in ([types] if isinstance(types, str) else types))


def _alternatives(error) -> list[str]:
    """An anyOf error: the problems of the alternative the value's type fits, else the types allowed."""
    branches: dict[int, list] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    for subs in branches.values():
        if not any(sub.validator == "type" and not sub.relative_path for sub in subs):
            return [message for sub in subs for message in _messages(sub)]
    allowed = [_type_names(sub.validator_value) for sub in error.context if sub.validator == "type"]
    return [f"{key_path(error.absolute_path)}: expected {' or '.join(allowed)}, got {error.instance!r}"]


def _messages(error) -> list[str]:
    """What one JSON-schema violation means, as 'key.path: problem (fix)'."""
    where, value, kind, rule = key_path(error.absolute_path), error.instance, error.validator, error.validator_value
    if kind == "additionalProperties" and rule is False:
        allowed = list(error.schema.get("properties", {}))
        return [
            f"{key_path([*error.absolute_path, key])}: unknown key {key!r}{did_you_mean(key, allowed)} "
            f"(valid keys here: {', '.join(allowed)})"
            for key in value
            if key not in allowed
        ]
    if kind == "required":
        missing = [key for key in rule if key not in value]
        return [f"{where}: missing required key(s) {', '.join(missing)}; add them (see config/README.md)"]
    if kind == "type":
        return [f"{where}: expected {_type_names(rule)}, got {value!r}"]
    if kind == "enum":
        return [f"{where}: unknown value {value!r}{did_you_mean(value, rule)} (valid: {', '.join(map(str, rule))})"]
    if kind in BOUNDS:
        return [
            f"{where}: must be {BOUNDS[kind]} {rule if isinstance(rule, int) else format(rule, 'g')}, got {value!r}"
        ]
    if kind == "minItems":
        return [
            f"{where}: " + (f"has {len(value)} item(s), " if value else "the list is empty; ") + f"give at least {rule}"
        ]
    if kind == "uniqueItems":
        repeated = [item for i, item in enumerate(value) if item in value[:i]]
        return [f"{where}: {repeated[0]!r} appears more than once; list each item once"]
    if kind == "minProperties":
        return [f"{where}: is empty; give at least {rule} entry"]
    if kind == "pattern":
        return [f"{where}: {value!r} is not of the form {error.schema.get('description', rule)}"]
    if kind in ("anyOf", "oneOf"):
        return _alternatives(error)
    return [f"{where}: {error.message}"]


def schema_problems(config: dict, schema: dict) -> list[str]:
    """Every violation of the JSON schema, one message each, in the order of the schema."""
    import jsonschema

    errors = jsonschema.Draft202012Validator(schema).iter_errors(config)
    return list(dict.fromkeys(message for error in errors for message in _messages(error)))


def nonfinite_problems(value, path=()) -> list[str]:
    """Every number that is NaN or infinite (YAML's .nan, .inf), by key path: none has a meaning here."""
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{key_path(path)}: expected a finite number, got {value!r}"]
    if isinstance(value, dict):
        return [m for key, item in value.items() for m in nonfinite_problems(item, (*path, key))]
    if isinstance(value, list):
        return [m for index, item in enumerate(value) for m in nonfinite_problems(item, (*path, index))]
    return []


def configured_problems(config: dict) -> tuple[dict, list[str]]:
    """The PROBLEM of each configured problem that names one, and a message for each that does not."""
    found, wrong = {}, []
    sections = config.get("problems")
    for name, section in (sections if isinstance(sections, dict) else {}).items():
        try:
            found[name] = registry.of_config(name, section if isinstance(section, dict) else {}, f"problems.{name}")
        except ConfigError as error:
            wrong.append(str(error))
    return found, wrong


def study_schema(schema: dict, problems: dict) -> dict:
    """The schema file, completed: the vocabulary's names as the hyperparameters' enums, and each
    configured problem's data settings (required) with the schema of its module."""
    schema = copy.deepcopy(schema)
    properties = schema["$defs"]["hyperparameters"]["properties"]
    for key, names in VOCABULARY_ENUMS.items():
        properties[key]["enum"] = list(names)
    data = schema["properties"]["data"]
    data["properties"] = {name: problem.data_schema for name, problem in problems.items()}
    data["required"] = list(problems)
    return schema


def download_problems(config: dict, problems: dict) -> list[str]:
    """Raw files a problem's data settings need but `downloads` does not describe."""
    downloads = config["downloads"]
    needed = {}  # file -> the key that needs it
    for name, problem in problems.items():
        settings = problem.resolve_settings(config["data"][name], None, downloads.__contains__)
        needed.update(dict.fromkeys(problem.raw_files(settings).values(), f"data.{name}"))
    return [
        f"{where}: needs the raw file {name!r}, which has no entry under downloads{did_you_mean(name, downloads)}; "
        f"add downloads[{name!r}] with its url (or null) and checksum"
        for name, where in needed.items()
        if name not in downloads
    ]


def parsed_config_file(path: str | Path) -> str:
    """`path`, once it parses as YAML; else a ConfigError with the parser's line, column and problem
    (Snakemake's own message says only that the file is not valid JSON or YAML). A file that is
    not there is Snakemake's to report, or to skip: a workflow used as a module takes its host's config."""
    if not Path(path).is_file():
        return str(path)
    try:
        yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        problem = " ".join(filter(None, [getattr(error, "context", None), getattr(error, "problem", None)]))
        raise ConfigError(
            f"{where}: not valid YAML: {problem or error}; fix the file there (indentation, a colon, a quote)"
        ) from None
    return str(path)


def check_config(config: dict, schema_path: str | Path) -> Study:
    """The study of a valid config; else one ConfigError that lists every problem found.

    Order: command-line repairs, the JSON schema (structure, types, ranges, unknown
    keys), the raw files the data section needs, then the study's own checks
    (hyperparameters per model, sweeps, baselines), which stop at the first problem.
    """
    coerce_command_line_values(config)
    config.setdefault("downloads", {})
    found, wrong = configured_problems(config)
    schema = study_schema(yaml.safe_load(Path(schema_path).read_text(encoding="utf-8")), found)
    problems = (wrong + schema_problems(config, schema) + nonfinite_problems(config)) or download_problems(
        config, found
    )
    if len(problems) > MAX_MESSAGES:
        problems = [*problems[:MAX_MESSAGES], f"... and {len(problems) - MAX_MESSAGES} more"]
    if problems:
        raise ConfigError(problems[0] if len(problems) == 1 else "\n".join(f"- {p}" for p in problems))
    return expand_study(config)
