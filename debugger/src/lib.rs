//! som-debugger: the time-travel debugger for tiered-som. `trace` is the recording file,
//! `engine` replays a recording with checkpoints and answers every command forwards and
//! backwards, `command` parses command lines, and `batch` is the scripted front end
//! (one JSON object per command). The TUI and `dap` (the Debug Adapter Protocol server)
//! are other front ends on the same engine; `latency` times commands on a recording.

pub mod batch;
pub mod command;
pub mod dap;
pub mod engine;
pub mod latency;
pub mod record;
pub mod trace;
pub mod tui;
