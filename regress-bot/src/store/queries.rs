//! Reading the history back: the raw values of one commit, benchmark and metric (over all
//! its runs), the series a commit has, per-commit groups for the noise model, profiles
//! and notes, the machine kinds. Every value read is checked against its checksum, and
//! every query sees only the machine kind the store is restricted to (if any).

use super::{value_checksum, Store, StoreError, PROCESS_STRIDE};
use rusqlite::OptionalExtension;

/// The values of one commit for one benchmark and metric, one group per process.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitRuns {
    pub sha: String,
    pub groups: Vec<Group>,
}

/// The values one process of one run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub run: i64,
    pub process: i64,
    pub values: Vec<f64>,
}

/// The SQL condition on `r` (runs) for the store's machine kind, bound to `:kind`.
const IN_KIND: &str =
    "(:kind IS NULL OR r.machine_id IN (SELECT id FROM machines WHERE kind = :kind))";

/// One measurement row as read: run id, run uuid, commit, repetition, value, checksum.
type Row = (i64, String, String, i64, f64, i64);

impl Store {
    /// Rows of one benchmark and metric (optionally one commit), checksums verified, in
    /// run and repetition order.
    fn rows(
        &self,
        sha: Option<&str>,
        benchmark: &str,
        metric: &str,
    ) -> Result<Vec<Row>, StoreError> {
        let sql = format!(
            "SELECT r.id, r.uuid, r.commit_sha, m.repetition, m.value, m.checksum
             FROM measurements m JOIN runs r ON r.id = m.run_id
             WHERE m.benchmark = :bench AND m.metric = :metric AND (:sha IS NULL OR r.commit_sha = :sha)
             AND {IN_KIND} ORDER BY m.run_id, m.repetition"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let kind = self.kind();
        let rows = stmt.query_map(
            rusqlite::named_params! {":bench": benchmark, ":metric": metric, ":sha": sha, ":kind": kind},
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )?;
        let mut out = Vec::new();
        for row in rows {
            let row: Row = row?;
            if value_checksum(&row.1, benchmark, metric, row.3, row.4) != row.5 {
                return Err(StoreError::Checksum {
                    path: self.path.clone(),
                    run: row.1,
                    benchmark: benchmark.to_string(),
                    metric: metric.to_string(),
                    repetition: row.3,
                });
            }
            out.push(row);
        }
        Ok(out)
    }

    /// Every value recorded for `sha`, `benchmark` and `metric`, over all runs.
    pub fn values(&self, sha: &str, benchmark: &str, metric: &str) -> Result<Vec<f64>, StoreError> {
        Ok(self
            .rows(Some(sha), benchmark, metric)?
            .into_iter()
            .map(|r| r.4)
            .collect())
    }

    /// The (benchmark, metric) pairs measured for `sha`, sorted.
    pub fn series(&self, sha: &str) -> Result<Vec<(String, String)>, StoreError> {
        let sql = format!(
            "SELECT DISTINCT m.benchmark, m.metric FROM measurements m JOIN runs r ON r.id = m.run_id
             WHERE r.commit_sha = :sha AND {IN_KIND} ORDER BY m.benchmark, m.metric"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let kind = self.kind();
        let rows = stmt.query_map(rusqlite::named_params! {":sha": sha, ":kind": kind}, |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Values of one benchmark and metric grouped by commit and then by process (run and
    /// repetition block), commits in the order they were first measured: the noise model's
    /// and the change-point detection's input.
    pub fn history(&self, benchmark: &str, metric: &str) -> Result<Vec<CommitRuns>, StoreError> {
        let mut out: Vec<CommitRuns> = Vec::new();
        for (run, _, sha, repetition, v, _) in self.rows(None, benchmark, metric)? {
            let process = repetition / PROCESS_STRIDE as i64;
            let i = match out.iter().position(|c| c.sha == sha) {
                Some(i) => i,
                None => {
                    out.push(CommitRuns {
                        sha,
                        groups: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            let groups = &mut out[i].groups;
            match groups.last_mut() {
                Some(g) if g.run == run && g.process == process => g.values.push(v),
                _ => groups.push(Group {
                    run,
                    process,
                    values: vec![v],
                }),
            }
        }
        Ok(out)
    }

    /// The values of one commit, benchmark and metric grouped by process.
    pub fn groups(
        &self,
        sha: &str,
        benchmark: &str,
        metric: &str,
    ) -> Result<Vec<Vec<f64>>, StoreError> {
        Ok(self
            .history(benchmark, metric)?
            .into_iter()
            .filter(|c| c.sha == sha)
            .flat_map(|c| c.groups.into_iter().map(|g| g.values))
            .collect())
    }

    /// The latest profile of `mode` recorded for `sha` and `benchmark`.
    pub fn profile(
        &self,
        sha: &str,
        benchmark: &str,
        mode: &str,
    ) -> Result<Option<String>, StoreError> {
        let sql = format!(
            "SELECT p.profile FROM profiles p JOIN runs r ON r.id = p.run_id
             WHERE r.commit_sha = :sha AND p.benchmark = :bench AND p.mode = :mode AND {IN_KIND}
             ORDER BY p.run_id DESC LIMIT 1"
        );
        let kind = self.kind();
        Ok(self
            .conn
            .query_row(
                &sql,
                rusqlite::named_params! {":sha": sha, ":bench": benchmark, ":mode": mode, ":kind": kind},
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Notes recorded for `sha` and `benchmark` (e.g. why a metric is absent), distinct.
    pub fn notes(&self, sha: &str, benchmark: &str) -> Result<Vec<String>, StoreError> {
        let sql = format!(
            "SELECT DISTINCT n.note FROM notes n JOIN runs r ON r.id = n.run_id
             WHERE r.commit_sha = :sha AND n.benchmark = :bench AND {IN_KIND} ORDER BY n.note"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let kind = self.kind();
        let rows = stmt.query_map(
            rusqlite::named_params! {":sha": sha, ":bench": benchmark, ":kind": kind},
            |r| r.get(0),
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Number of runs recorded for `sha` (on the store's machine kind).
    pub fn run_count(&self, sha: &str) -> Result<i64, StoreError> {
        let sql = format!("SELECT count(*) FROM runs r WHERE r.commit_sha = :sha AND {IN_KIND}");
        let kind = self.kind();
        Ok(self.conn.query_row(
            &sql,
            rusqlite::named_params! {":sha": sha, ":kind": kind},
            |r| r.get(0),
        )?)
    }

    /// The machine kinds `sha` was measured on, sorted (all kinds, whatever the store is
    /// restricted to).
    pub fn kinds_of(&self, sha: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT mc.kind FROM runs r JOIN machines mc ON mc.id = r.machine_id
             WHERE r.commit_sha = ?1 ORDER BY mc.kind",
        )?;
        let rows = stmt.query_map([sha], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every machine kind in the history, sorted.
    pub fn kinds(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT kind FROM machines ORDER BY kind")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The fingerprints of the runs of `sha` on the store's machine kind, distinct.
    pub fn fingerprints(&self, sha: &str) -> Result<Vec<String>, StoreError> {
        let sql = format!(
            "SELECT DISTINCT r.fingerprint FROM runs r WHERE r.commit_sha = :sha AND {IN_KIND}
             ORDER BY r.fingerprint"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let kind = self.kind();
        let rows = stmt.query_map(rusqlite::named_params! {":sha": sha, ":kind": kind}, |r| {
            r.get(0)
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
