"""The code fingerprint: what a change to the code reruns, found from the imports, the same on every Python."""

import glob
import os
import subprocess
from pathlib import Path

import pytest

from hpstudy.runtime.fingerprint import PACKAGE, code_fingerprint, module_fingerprint, reachable_files

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
CODE = '''"""Module docstring."""


def scale(x, factor=2):
    """Scale x."""
    return x * factor  # a comment
'''


def test_formatting_comments_and_docstrings_do_not_change_the_fingerprint():
    reformatted = "def scale(x, factor = 2):\n    return (x *\n            factor)\n"
    assert module_fingerprint(reformatted) == module_fingerprint(CODE)


def test_a_change_in_behaviour_changes_the_fingerprint():
    assert module_fingerprint(CODE.replace("factor=2", "factor=3")) != module_fingerprint(CODE)
    assert module_fingerprint(CODE.replace("x * factor", "x + factor")) != module_fingerprint(CODE)


def test_a_steps_modules_are_found_from_its_scripts_imports_at_any_depth():
    training = reachable_files(
        SCRIPTS / "train_run.py", ("hpstudy.runtime.train_job", "hpstudy.problems.usps"), ("hpstudy.report",)
    )
    # the script -> warm -> jobs; the job -> train; the problem -> base -> models -> vocabulary; runio -> machine
    assert {
        "train_run.py",
        "hpstudy.runtime.warm",
        "hpstudy.runtime.jobs",
        "hpstudy.engine.train",
        "hpstudy.engine.models",
    } <= set(training)
    assert {
        "hpstudy.engine.vocabulary",
        "hpstudy.problems.base",
        "hpstudy.runtime.runio",
        "hpstudy.runtime.machine",
    } <= set(training)
    assert not any(name.startswith("hpstudy.report") for name in training)
    # the provenance module imports `machine`, which the hand-kept list of the report step had missed
    assert "hpstudy.runtime.machine" in reachable_files(SCRIPTS / "collect_provenance.py")
    # imports inside functions count: the timing module imports the engine lazily
    assert "hpstudy.engine.train" in reachable_files(SCRIPTS / "time_runs.py", ("hpstudy.engine.timing",))


def test_a_script_or_a_module_it_reaches_changes_its_fingerprint_and_no_other(tmp_path):
    script = tmp_path / "step.py"
    script.write_text("from hpstudy.results import stats\nprint(stats.ALPHA)\n")
    before = code_fingerprint(script)
    assert set(reachable_files(script)) == {"step.py", "hpstudy.results.stats"}
    script.write_text("from hpstudy.results import stats\nprint(stats.CONFIDENCE)\n")
    code_fingerprint.cache_clear()
    assert code_fingerprint(script) != before
    assert len(code_fingerprint(SCRIPTS / "fetch_raw_file.py")) == 12


def test_every_scripts_fingerprint_differs_by_what_it_runs():
    assert code_fingerprint(SCRIPTS / "train_run.py", "hpstudy.runtime.train_job") != code_fingerprint(
        SCRIPTS / "render_html.py"
    )


def test_a_problem_module_of_ones_own_counts_with_the_package_modules_it_imports(tmp_path, monkeypatch):
    (tmp_path / "myproblem.py").write_text("from hpstudy.problems.base import Regression\nPROBLEM = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    step = SCRIPTS / "prepare_data.py"

    files = reachable_files(step, ("myproblem",), ("hpstudy.report",))
    before = code_fingerprint(step, "myproblem")
    (tmp_path / "myproblem.py").write_text("from hpstudy.problems.base import Regression\nPROBLEM = 2\n")
    code_fingerprint.cache_clear()

    assert files["myproblem"] == tmp_path / "myproblem.py"
    assert "hpstudy.problems.base" in files
    assert not any(name.startswith("hpstudy.report") for name in files)  # drawing is no part of preparing
    assert code_fingerprint(step, "myproblem") != before


def test_the_helpers_of_a_problem_package_of_ones_own_count_too(tmp_path, monkeypatch):
    package = tmp_path / "mystudy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "shapes.py").write_text("SIDES = 3\n")
    (package / "rings.py").write_text("from .shapes import SIDES\nfrom hpstudy.problems.base import Regression\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    step = SCRIPTS / "prepare_data.py"

    before = code_fingerprint(step, "mystudy.rings")
    (package / "shapes.py").write_text("SIDES = 4\n")
    code_fingerprint.cache_clear()

    assert {"mystudy.rings", "mystudy.shapes", "hpstudy.problems.base"} <= set(
        reachable_files(step, ("mystudy.rings",))
    )
    assert code_fingerprint(step, "mystudy.rings") != before


def test_each_problems_steps_reach_that_problems_module_only():
    usps = reachable_files(SCRIPTS / "train_run.py", ("hpstudy.runtime.train_job", "hpstudy.problems.usps"))
    assert "hpstudy.problems.usps" in usps
    assert not {"hpstudy.problems.house", "hpstudy.problems.spirals"} & set(usps)


def test_an_unknown_entry_module_is_named():
    with pytest.raises(ValueError, match="hpstudy.nonesuch: no such module"):
        reachable_files(SCRIPTS / "train_run.py", ("hpstudy.nonesuch",))


FINGERPRINTS = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from hpstudy.runtime.fingerprint import PACKAGE, module_fingerprint
for path in sorted(PACKAGE.rglob("*.py")):
    print(path.relative_to(PACKAGE), module_fingerprint(path.read_text(encoding="utf-8")))
"""


def fingerprints(python: str, **env) -> str:
    result = subprocess.run(
        [python, "-c", FINGERPRINTS, str(PACKAGE.parent)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    return result.stdout


OTHER_PYTHONS = sorted(
    path for version in ("3.10", "3.12", "3.13") for path in glob.glob(f"/root/.pyenv/versions/{version}.*/bin/python")
)


@pytest.mark.skipif(not OTHER_PYTHONS, reason="no other Python version on this machine")
@pytest.mark.parametrize("python", OTHER_PYTHONS)
def test_the_fingerprint_is_the_same_under_other_python_versions(python):
    """A Python upgrade alone retrains nothing: every module hashes alike under 3.10 to 3.13."""
    import sys

    assert fingerprints(python) == fingerprints(sys.executable)


def test_the_fingerprint_reads_the_code_as_utf8_under_any_locale():
    """The code holds non-ASCII text (×, σ); a C locale must not break the workflow's parse."""
    import sys

    assert fingerprints(sys.executable, LC_ALL="C", LANG="C", PYTHONUTF8="0") == fingerprints(sys.executable)
