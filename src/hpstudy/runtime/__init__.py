"""How a workflow job runs: logging and errors, atomic writes, run folders, the warm
trainer, preflight checks, code fingerprints and failure summaries."""
