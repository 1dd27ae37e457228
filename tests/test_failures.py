"""The summary a failed build ends with: one line per failed job's log, with its reason."""

from hpstudy.runtime import failures

SNAKEMAKE_LOG = """\
Error in group train:
    message: Error in group train
    log: {slurm} (check log file(s) for error details)
    jobs:
        rule train_run:
            jobid: 0
            log: {train} (check log file(s) for error details)
Logfile {slurm}:
    log: {train} (check log file(s) for error details)
Error in rule aggregate_metrics:
    jobid: 2
    log: {aggregate} (check log file(s) for error details)
"""


def test_each_failed_jobs_reason_is_one_line_naming_its_log(tmp_path):
    slurm, train, aggregate = tmp_path / "2.log", tmp_path / "train.log", tmp_path / "aggregate.log"
    slurm.write_text("slurmstepd: error: *** JOB 2 ON node CANCELLED AT 2026-12-04T05:11:48 DUE TO TIME LIMIT ***\n")
    train.write_text("05:10:35 epoch 1/150, 2 seeds: train loss 0.0913\n")  # killed mid-training: no reason of its own
    aggregate.write_text(
        "05:10:00 ERROR: results/runs/usps/abc/metrics.csv has no rows; delete the run's folder and rerun\n"
    )
    log = SNAKEMAKE_LOG.format(slurm=slurm, train=train, aggregate=aggregate)

    assert failures.failed_logs(log) == [str(slurm), str(train), str(aggregate)]
    assert failures.summary(log).splitlines() == [
        "Why the failed jobs failed (from their logs):",
        f"- {slurm}: ran past its SLURM time limit (TIMEOUT): its retry asks twice the time; to give more from "
        "the start, raise the rule's runtime under set-resources in profiles/slurm/config.yaml",
        f"- {aggregate}: 05:10:00 ERROR: results/runs/usps/abc/metrics.csv has no rows; delete the run's folder "
        "and rerun",
    ]


def test_out_of_memory_cancellation_and_a_traceback_are_named():
    assert failures.reason("slurmstepd: error: Detected 1 oom-kill event(s) in StepId=7.0").startswith(
        "ran out of memory"
    )
    assert failures.reason("*** JOB 7 ON node CANCELLED AT 2026-12-04T05:00:00 ***") == (
        "was cancelled (scancel, preemption or a node failure)"
    )
    assert failures.reason("Traceback (most recent call last):\n  File \"x\"\nKeyError: 'seed'\n") == "KeyError: 'seed'"
    assert failures.reason("epoch 3/10\n") is None


def test_no_reason_in_any_log_gives_no_summary(tmp_path):
    quiet = tmp_path / "quiet.log"
    quiet.write_text("epoch 1/2\n")
    assert failures.summary(f"    log: {quiet} (check log file(s) for error details)\n") == ""
    assert failures.summary("    log: gone.log (check log file(s) for error details)\n") == ""
