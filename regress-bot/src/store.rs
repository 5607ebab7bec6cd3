//! The measurement history in SQLite: commits, machines, toolchains, runs, every raw value
//! (benchmark, metric, repetition) and recorded profiles. The schema is versioned with
//! `PRAGMA user_version`; a file that is not a healthy SQLite database of a known version
//! is reported and left untouched.

use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};

pub const SCHEMA_VERSION: i64 = 1;

/// Repetitions of one process are numbered from `process * PROCESS_STRIDE`.
pub const PROCESS_STRIDE: usize = 1000;

const SCHEMA: &str = "
CREATE TABLE commits (sha TEXT PRIMARY KEY, parent TEXT, date TEXT, subject TEXT);
CREATE TABLE machines (id INTEGER PRIMARY KEY, hostname TEXT NOT NULL, cpu TEXT NOT NULL,
    cores INTEGER NOT NULL, os TEXT NOT NULL, UNIQUE (hostname, cpu, cores, os));
CREATE TABLE toolchains (id INTEGER PRIMARY KEY, rustc TEXT NOT NULL UNIQUE);
CREATE TABLE runs (id INTEGER PRIMARY KEY, commit_sha TEXT NOT NULL REFERENCES commits(sha),
    machine_id INTEGER NOT NULL REFERENCES machines(id),
    toolchain_id INTEGER NOT NULL REFERENCES toolchains(id),
    started_at TEXT NOT NULL, settings TEXT NOT NULL);
CREATE TABLE measurements (run_id INTEGER NOT NULL REFERENCES runs(id), benchmark TEXT NOT NULL,
    metric TEXT NOT NULL, repetition INTEGER NOT NULL, value REAL NOT NULL);
CREATE INDEX measurements_by_run ON measurements (run_id, benchmark, metric);
CREATE TABLE profiles (run_id INTEGER NOT NULL REFERENCES runs(id), benchmark TEXT NOT NULL,
    profile TEXT NOT NULL);
CREATE TABLE notes (run_id INTEGER NOT NULL REFERENCES runs(id), benchmark TEXT NOT NULL,
    note TEXT NOT NULL);
";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{0} is not an SQLite database; refusing to touch it (move it away or pass another --db)"
    )]
    NotSqlite(PathBuf),
    #[error("{path} is a damaged SQLite database ({detail}); refusing to touch it (move it away or pass another --db)")]
    Damaged { path: PathBuf, detail: String },
    #[error("{path} has schema version {found}, this som-regress knows version {SCHEMA_VERSION}")]
    UnknownSchema { path: PathBuf, found: i64 },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// A commit as the history records it.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitInfo {
    pub sha: String,
    pub parent: Option<String>,
    pub date: String,
    pub subject: String,
}

/// The machine and toolchain a run measured on.
#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    pub hostname: String,
    pub cpu: String,
    pub cores: i64,
    pub os: String,
}

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if absent or empty) the history at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        check_header(path)?;
        let conn = Connection::open(path)?;
        let damaged = |detail: String| StoreError::Damaged {
            path: path.to_path_buf(),
            detail,
        };
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|e| damaged(e.to_string()))?;
        if check != "ok" {
            return Err(damaged(check));
        }
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        match (version, tables) {
            (0, 0) => {
                conn.execute_batch(&format!(
                    "BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
                ))?;
            }
            (SCHEMA_VERSION, _) => {}
            (found, _) => {
                return Err(StoreError::UnknownSchema {
                    path: path.to_path_buf(),
                    found,
                })
            }
        }
        conn.execute_batch("PRAGMA foreign_keys = ON")?;
        Ok(Store { conn })
    }

    pub fn add_commit(&self, c: &CommitInfo) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO commits (sha, parent, date, subject) VALUES (?1, ?2, ?3, ?4)",
            params![c.sha, c.parent, c.date, c.subject],
        )?;
        Ok(())
    }

    pub fn commit(&self, sha: &str) -> Result<Option<CommitInfo>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT sha, parent, date, subject FROM commits WHERE sha = ?1",
                [sha],
                |r| {
                    Ok(CommitInfo {
                        sha: r.get(0)?,
                        parent: r.get(1)?,
                        date: r.get(2)?,
                        subject: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn machine_id(&self, m: &Machine) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO machines (hostname, cpu, cores, os) VALUES (?1, ?2, ?3, ?4)",
            params![m.hostname, m.cpu, m.cores, m.os],
        )?;
        Ok(self.conn.query_row(
            "SELECT id FROM machines WHERE hostname = ?1 AND cpu = ?2 AND cores = ?3 AND os = ?4",
            params![m.hostname, m.cpu, m.cores, m.os],
            |r| r.get(0),
        )?)
    }

    /// Starts a run of `sha` (already added) and answers its id.
    pub fn begin_run(
        &self,
        sha: &str,
        machine: &Machine,
        rustc: &str,
        settings: &str,
    ) -> Result<i64, StoreError> {
        let machine_id = self.machine_id(machine)?;
        self.conn.execute(
            "INSERT OR IGNORE INTO toolchains (rustc) VALUES (?1)",
            [rustc],
        )?;
        let toolchain_id: i64 =
            self.conn
                .query_row("SELECT id FROM toolchains WHERE rustc = ?1", [rustc], |r| {
                    r.get(0)
                })?;
        self.conn.execute(
            "INSERT INTO runs (commit_sha, machine_id, toolchain_id, started_at, settings)
             VALUES (?1, ?2, ?3, datetime('now'), ?4)",
            params![sha, machine_id, toolchain_id, settings],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records raw values of one metric, numbered by repetition.
    pub fn add_values(
        &self,
        run: i64,
        benchmark: &str,
        metric: &str,
        values: &[f64],
    ) -> Result<(), StoreError> {
        self.add_process_values(run, benchmark, metric, 0, values)
    }

    /// Records the values one process produced (e.g. its iterations' wall times); the
    /// repetition number is `process * PROCESS_STRIDE + i`, so processes can be told apart.
    pub fn add_process_values(
        &self,
        run: i64,
        benchmark: &str,
        metric: &str,
        process: usize,
        values: &[f64],
    ) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO measurements (run_id, benchmark, metric, repetition, value)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (i, v) in values.iter().enumerate() {
                let repetition = (process * PROCESS_STRIDE + i) as i64;
                stmt.execute(params![run, benchmark, metric, repetition, v])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn add_profile(&self, run: i64, benchmark: &str, json: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO profiles (run_id, benchmark, profile) VALUES (?1, ?2, ?3)",
            params![run, benchmark, json],
        )?;
        Ok(())
    }

    pub fn add_note(&self, run: i64, benchmark: &str, note: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO notes (run_id, benchmark, note) VALUES (?1, ?2, ?3)",
            params![run, benchmark, note],
        )?;
        Ok(())
    }
}

/// Refuses a file that exists, is not empty, and does not start with SQLite's magic.
fn check_header(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let mut magic = Vec::new();
    file.by_ref()
        .take(16)
        .read_to_end(&mut magic)
        .map_err(|source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if magic.is_empty() || magic == b"SQLite format 3\0" {
        Ok(())
    } else {
        Err(StoreError::NotSqlite(path.to_path_buf()))
    }
}

mod queries;
pub use queries::{CommitRuns, Group};
#[cfg(test)]
mod tests;
