//! The collector's pause log: every collection's pause, for the maximum and the
//! percentiles `--stats` and `--stats-json` report (exact, from the sorted pauses).

use std::time::Duration;

/// Every pause of a run, in nanoseconds (a pause past 4 s saturates at 4.29 s).
#[derive(Debug, Default, Clone)]
pub(crate) struct Pauses {
    nanos: Vec<u32>,
    max: Duration,
}

impl Pauses {
    pub(crate) fn record(&mut self, pause: Duration) {
        self.nanos
            .push(u32::try_from(pause.as_nanos()).unwrap_or(u32::MAX));
        self.max = self.max.max(pause);
    }

    pub(crate) fn max(&self) -> Duration {
        self.max
    }

    /// The pause at or under which `percent` of the pauses are (nearest rank), zero
    /// when nothing was collected.
    pub(crate) fn percentile(&self, percent: u32) -> Duration {
        if self.nanos.is_empty() {
            return Duration::ZERO;
        }
        let mut sorted = self.nanos.clone();
        sorted.sort_unstable();
        let rank = (percent as usize * sorted.len()).div_ceil(100).max(1);
        Duration::from_nanos(sorted[rank - 1] as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_of_the_recorded_pauses() {
        let mut p = Pauses::default();
        assert_eq!(p.percentile(50), Duration::ZERO);
        for ms in [5, 1, 4, 2, 3, 10, 6, 7, 8, 9] {
            p.record(Duration::from_millis(ms));
        }
        assert_eq!(p.percentile(50), Duration::from_millis(5));
        assert_eq!(p.percentile(90), Duration::from_millis(9));
        assert_eq!(p.percentile(99), Duration::from_millis(10));
        assert_eq!(p.max(), Duration::from_millis(10));
    }
}
