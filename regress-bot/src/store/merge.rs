//! Merging histories written on several machines: every run of the source whose unique
//! id the destination lacks is copied with its commit, machine, toolchain, values (their
//! checksums verified on the way), profiles and notes; runs already present are skipped,
//! so merging the same file twice adds nothing. One transaction per source file.

use super::{value_checksum, Machine, Store, StoreError};
use rusqlite::params;

/// What one merge did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Merged {
    pub runs_added: usize,
    pub runs_already_present: usize,
    pub values_added: usize,
}

/// One run of the source, with everything needed to recreate it elsewhere.
struct SourceRun {
    id: i64,
    uuid: String,
    sha: String,
    machine: Machine,
    rustc: String,
    fingerprint: String,
    started_at: String,
    settings: String,
}

impl Store {
    fn source_runs(&self) -> Result<Vec<SourceRun>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT r.id, r.uuid, r.commit_sha, mc.name, mc.hostname, mc.cpu, mc.cores,
                    mc.memory_mb, mc.kernel, t.rustc, r.fingerprint, r.started_at, r.settings
             FROM runs r JOIN machines mc ON mc.id = r.machine_id
             JOIN toolchains t ON t.id = r.toolchain_id ORDER BY r.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SourceRun {
                id: r.get(0)?,
                uuid: r.get(1)?,
                sha: r.get(2)?,
                machine: Machine {
                    name: r.get(3)?,
                    hostname: r.get(4)?,
                    cpu: r.get(5)?,
                    cores: r.get(6)?,
                    memory_mb: r.get(7)?,
                    kernel: r.get(8)?,
                },
                rustc: r.get(9)?,
                fingerprint: r.get(10)?,
                started_at: r.get(11)?,
                settings: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn has_run(&self, uuid: &str) -> Result<bool, StoreError> {
        let n: i64 =
            self.conn
                .query_row("SELECT count(*) FROM runs WHERE uuid = ?1", [uuid], |r| {
                    r.get(0)
                })?;
        Ok(n > 0)
    }

    /// Copies every run of `source` this history lacks.
    pub fn merge_from(&self, source: &Store) -> Result<Merged, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let mut merged = Merged::default();
        for run in source.source_runs()? {
            if self.has_run(&run.uuid)? {
                merged.runs_already_present += 1;
                continue;
            }
            if let Some(c) = source.commit(&run.sha)? {
                self.conn.execute(
                    "INSERT OR IGNORE INTO commits (sha, parent, date, subject) VALUES (?1, ?2, ?3, ?4)",
                    params![c.sha, c.parent, c.date, c.subject],
                )?;
            }
            let machine_id = self.machine_id(&run.machine)?;
            let toolchain_id = self.toolchain_id(&run.rustc)?;
            self.conn.execute(
                "INSERT INTO runs (uuid, commit_sha, machine_id, toolchain_id, fingerprint, started_at, settings)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![run.uuid, run.sha, machine_id, toolchain_id, run.fingerprint, run.started_at, run.settings],
            )?;
            let id = self.conn.last_insert_rowid();
            merged.values_added += self.copy_values(source, &run, id)?;
            self.copy_rows(source, run.id, id)?;
            merged.runs_added += 1;
        }
        tx.commit()?;
        Ok(merged)
    }

    fn copy_values(&self, source: &Store, run: &SourceRun, id: i64) -> Result<usize, StoreError> {
        let mut read = source.conn.prepare(
            "SELECT benchmark, metric, repetition, value, checksum FROM measurements
             WHERE run_id = ?1 ORDER BY benchmark, metric, repetition",
        )?;
        let mut write = self.conn.prepare_cached(
            "INSERT INTO measurements (run_id, benchmark, metric, repetition, value, checksum)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut n = 0;
        let rows = read.query_map([run.id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, f64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        for row in rows {
            let (benchmark, metric, repetition, value, sum) = row?;
            if value_checksum(&run.uuid, &benchmark, &metric, repetition, value) != sum {
                return Err(StoreError::Checksum {
                    path: source.path.clone(),
                    run: run.uuid.clone(),
                    benchmark,
                    metric,
                    repetition,
                });
            }
            write.execute(params![id, benchmark, metric, repetition, value, sum])?;
            n += 1;
        }
        Ok(n)
    }

    fn copy_rows(&self, source: &Store, from: i64, to: i64) -> Result<(), StoreError> {
        let mut profiles = source
            .conn
            .prepare("SELECT benchmark, mode, profile FROM profiles WHERE run_id = ?1")?;
        let rows = profiles.query_map([from], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (benchmark, mode, profile) = row?;
            self.add_profile(to, &benchmark, &mode, &profile)?;
        }
        let mut notes = source
            .conn
            .prepare("SELECT benchmark, note FROM notes WHERE run_id = ?1")?;
        let rows = notes.query_map([from], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (benchmark, note) = row?;
            self.add_note(to, &benchmark, &note)?;
        }
        Ok(())
    }
}
