//! Write tracking as tools use it: start and stop it for monitored runs and take the
//! log per stretch of the run (`observe::writes` keeps it).

use super::Machine;
pub use crate::observe::writes::WriteLog;

impl Machine {
    /// Starts tracking writes in monitored runs (see the module doc).
    pub fn track_writes(&mut self) {
        self.vm.writes.get_or_insert_with(Default::default);
    }

    /// Stops tracking writes.
    pub fn stop_tracking_writes(&mut self) {
        self.vm.writes = None;
    }

    /// The writes since the last call (a fresh log continues, seeded with the running
    /// activation so a stretch starting mid-statement still knows it).
    pub fn take_writes(&mut self) -> WriteLog {
        let Some(log) = self.vm.writes.as_deref_mut() else {
            return WriteLog::default();
        };
        let top = self.vm.frames.last().map(|f| (f.id, self.vm.frames.len()));
        log.take_seeded(top)
    }
}
