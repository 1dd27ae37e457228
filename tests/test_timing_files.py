"""A damaged timing file fails the job that reads it, naming the file and the fix."""

import pandas as pd
import pytest

from hpstudy.errors import StudyError
from hpstudy.results.aggregate import read_timings

RUNS = pd.DataFrame({"problem": ["usps"], "run_id": ["0123456789ab"]})

ROW = "run_id,repeat,solo_seconds,steps,multiply_adds_per_step,parameters\n0123456789ab,0,1.5,5840,554000,9760\n"


def test_a_good_timing_file_is_read_with_string_run_ids(tmp_path):
    path = tmp_path / "usps.csv"
    path.write_text(ROW)
    table = read_timings([str(path)], RUNS)
    assert list(table["run_id"]) == ["0123456789ab"] and table["solo_seconds"].iloc[0] == 1.5


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "is not a readable table"),
        (ROW.splitlines()[0] + "\n", "has no rows"),
        (
            "run_id,repeat\n0123456789ab,0\n",
            "lacks the column.s. solo_seconds, steps, multiply_adds_per_step, parameters",
        ),
        (ROW.replace("0123456789ab", "ffffffffffff"), "lacks the run.s. 0123456789ab"),
        (ROW.replace(",1.5,", ",nan,"), "holds a training time that is not a positive number"),
        (ROW.replace(",1.5,", ",garbage,"), "holds a training time that is not a positive number"),
    ],
    ids=["empty", "header only", "columns missing", "a run missing", "NaN time", "garbage time"],
)
def test_a_damaged_timing_file_names_itself_and_the_fix(tmp_path, text, message):
    path = tmp_path / "usps.csv"
    path.write_text(text)
    with pytest.raises(StudyError, match=message) as error:
        read_timings([str(path)], RUNS)
    assert str(path) in str(error.value) and "rerun: the workflow times the problem's runs again" in str(error.value)
