"""The code fingerprint: what a change to the package code reruns."""

from hpstudy.fingerprint import STEP_MODULES, code_fingerprint, module_fingerprint

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


def test_every_step_has_a_short_fingerprint_of_existing_modules():
    for step in STEP_MODULES:
        assert len(code_fingerprint(step)) == 12
    assert code_fingerprint("train") != code_fingerprint("report")
