//! Reading the history back: the raw values of one commit, benchmark and metric (over all
//! its runs), the series a commit has, per-commit groups for the noise model, profiles
//! and notes.

use super::{Store, StoreError, PROCESS_STRIDE};
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

impl Store {
    /// Every value recorded for `sha`, `benchmark` and `metric`, over all runs.
    pub fn values(&self, sha: &str, benchmark: &str, metric: &str) -> Result<Vec<f64>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.value FROM measurements m JOIN runs r ON r.id = m.run_id
             WHERE r.commit_sha = ?1 AND m.benchmark = ?2 AND m.metric = ?3
             ORDER BY m.run_id, m.repetition",
        )?;
        let rows = stmt.query_map([sha, benchmark, metric], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The (benchmark, metric) pairs measured for `sha`, sorted.
    pub fn series(&self, sha: &str) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT m.benchmark, m.metric FROM measurements m JOIN runs r ON r.id = m.run_id
             WHERE r.commit_sha = ?1 ORDER BY m.benchmark, m.metric",
        )?;
        let rows = stmt.query_map([sha], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Values of one benchmark and metric grouped by commit and then by process (run and
    /// repetition block), commits in the order they were first measured: the noise model's
    /// input.
    pub fn history(&self, benchmark: &str, metric: &str) -> Result<Vec<CommitRuns>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.commit_sha, r.id, m.repetition, m.value FROM measurements m
             JOIN runs r ON r.id = m.run_id
             WHERE m.benchmark = ?1 AND m.metric = ?2 ORDER BY m.run_id, m.repetition",
        )?;
        let rows = stmt.query_map([benchmark, metric], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, f64>(3)?,
            ))
        })?;
        let mut out: Vec<CommitRuns> = Vec::new();
        for row in rows {
            let (sha, run, repetition, v) = row?;
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

    /// The latest profile recorded for `sha` and `benchmark`.
    pub fn profile(&self, sha: &str, benchmark: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT p.profile FROM profiles p JOIN runs r ON r.id = p.run_id
                 WHERE r.commit_sha = ?1 AND p.benchmark = ?2 ORDER BY p.run_id DESC LIMIT 1",
                [sha, benchmark],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Notes recorded for `sha` and `benchmark` (e.g. why a metric is absent), distinct.
    pub fn notes(&self, sha: &str, benchmark: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT n.note FROM notes n JOIN runs r ON r.id = n.run_id
             WHERE r.commit_sha = ?1 AND n.benchmark = ?2 ORDER BY n.note",
        )?;
        let rows = stmt.query_map([sha, benchmark], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Number of runs recorded for `sha`.
    pub fn run_count(&self, sha: &str) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM runs WHERE commit_sha = ?1",
            [sha],
            |r| r.get(0),
        )?)
    }
}
