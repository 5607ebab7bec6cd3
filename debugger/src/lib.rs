//! som-debugger: the time-travel debugger: record/replay engine, batch mode and TUI (library part; the binary is a thin front end).
