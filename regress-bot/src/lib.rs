//! som-regress-bot: the regression bot: generated benchmarks, per-commit runs, verdicts, PR comments (library part; the binary is a thin front end).
