//! The measurement history in SQLite: commits, machines (with their kind), toolchains,
//! runs (each with a unique id and the machine fingerprint), every raw value (benchmark,
//! metric, repetition) with a CRC-32 checksum, recorded profiles and notes. The schema is
//! versioned with `PRAGMA user_version`; a file that is not a healthy SQLite database of
//! the known version, that has a `-journal` or `-wal` file beside it, or whose values fail
//! their checksums is reported and left untouched. Readers open read-only and never
//! create a schema.

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::cell::RefCell;
use std::path::{Path, PathBuf};

pub const SCHEMA_VERSION: i64 = 2;

/// Repetitions of one process are numbered from `process * PROCESS_STRIDE`.
pub const PROCESS_STRIDE: usize = 1000;

const SCHEMA: &str = "
CREATE TABLE commits (sha TEXT PRIMARY KEY, parent TEXT, date TEXT, subject TEXT);
CREATE TABLE machines (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hostname TEXT NOT NULL,
    cpu TEXT NOT NULL, cores INTEGER NOT NULL, memory_mb INTEGER NOT NULL,
    kernel TEXT NOT NULL, kind TEXT NOT NULL,
    UNIQUE (name, hostname, cpu, cores, memory_mb, kernel));
CREATE TABLE toolchains (id INTEGER PRIMARY KEY, rustc TEXT NOT NULL UNIQUE);
CREATE TABLE runs (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,
    commit_sha TEXT NOT NULL REFERENCES commits(sha),
    machine_id INTEGER NOT NULL REFERENCES machines(id),
    toolchain_id INTEGER NOT NULL REFERENCES toolchains(id),
    fingerprint TEXT NOT NULL, started_at TEXT NOT NULL, settings TEXT NOT NULL);
CREATE TABLE measurements (run_id INTEGER NOT NULL REFERENCES runs(id), benchmark TEXT NOT NULL,
    metric TEXT NOT NULL, repetition INTEGER NOT NULL, value REAL NOT NULL,
    checksum INTEGER NOT NULL, UNIQUE (run_id, benchmark, metric, repetition));
CREATE INDEX measurements_by_series ON measurements (benchmark, metric);
CREATE TABLE profiles (run_id INTEGER NOT NULL REFERENCES runs(id), benchmark TEXT NOT NULL,
    mode TEXT NOT NULL, profile TEXT NOT NULL);
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
    #[error("{path} has schema version {found}, this som-regress knows version {SCHEMA_VERSION}; refusing to touch it (measure again into a new --db)")]
    UnknownSchema { path: PathBuf, found: i64 },
    #[error(
        "{0} holds no som-regress history (it is missing or empty): run `som-regress run` first"
    )]
    NoHistory(PathBuf),
    #[error("{stray} exists beside {path}: a som-regress run may still be writing, or one was interrupted; refusing to open the history (SQLite would roll that file into it or delete it). Let the run finish, or move both files away")]
    StrayJournal { path: PathBuf, stray: PathBuf },
    #[error("{path}: the stored value of {benchmark} {metric} (run {run}, repetition {repetition}) fails its checksum; the history is damaged and is not reported from (move it away or measure again)")]
    Checksum {
        path: PathBuf,
        run: String,
        benchmark: String,
        metric: String,
        repetition: i64,
    },
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

/// The machine a run measured on. Its kind (name, CPU, cores, memory) decides which
/// results may be compared; kernel and host are recorded and enter the fingerprint.
#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    /// A configurable name (`--machine`, default the host name): runners that should count
    /// as one kind share it.
    pub name: String,
    pub hostname: String,
    pub cpu: String,
    pub cores: i64,
    pub memory_mb: i64,
    pub kernel: String,
}

impl Machine {
    /// The machine kind: results are compared only within one.
    pub fn kind(&self) -> String {
        format!(
            "{} ({}, {} cores, {} GiB)",
            self.name,
            self.cpu,
            self.cores,
            (self.memory_mb as f64 / 1024.0).round()
        )
    }

    /// A stable fingerprint of this machine and a toolchain: a CRC-32 of every field.
    pub fn fingerprint(&self, rustc: &str) -> String {
        let text = format!(
            "{}\0{}\0{}\0{}\0{}\0{}",
            self.kind(),
            self.hostname,
            self.cpu,
            self.cores,
            self.kernel,
            rustc
        );
        format!("{:08x}", crc32fast::hash(text.as_bytes()))
    }
}

/// The checksum of one stored value: CRC-32 over the run's unique id, benchmark, metric,
/// repetition and the value's bits (which survive a merge into another file unchanged).
pub fn value_checksum(run: &str, benchmark: &str, metric: &str, repetition: i64, v: f64) -> i64 {
    let mut h = crc32fast::Hasher::new();
    for part in [run, benchmark, metric] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    h.update(&repetition.to_le_bytes());
    h.update(&v.to_bits().to_le_bytes());
    i64::from(h.finalize())
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// When set, every query sees only runs on machines of this kind.
    kind: RefCell<Option<String>>,
}

/// How a history file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Create the schema in a missing or empty file.
    Write,
    /// Read-only: a missing or empty file is refused, nothing is ever written.
    Read,
}

impl Store {
    /// Opens (creating if absent or empty) the history at `path` for measuring.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_as(path, Access::Write)
    }

    /// Opens an existing history read-only (reports, change points, merge inputs).
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        Store::open_as(path, Access::Read)
    }

    fn open_as(path: &Path, access: Access) -> Result<Store, StoreError> {
        refuse_stray_journals(path)?;
        let empty = check_header(path)?;
        if empty && access == Access::Read {
            return Err(StoreError::NoHistory(path.to_path_buf()));
        }
        let conn = match access {
            Access::Write => Connection::open(path)?,
            Access::Read => Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?,
        };
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
            (0, 0) if access == Access::Write => {
                conn.execute_batch(&format!(
                    "BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
                ))?;
            }
            (0, 0) => return Err(StoreError::NoHistory(path.to_path_buf())),
            (SCHEMA_VERSION, _) => {}
            (found, _) => {
                return Err(StoreError::UnknownSchema {
                    path: path.to_path_buf(),
                    found,
                })
            }
        }
        if access == Access::Write {
            conn.execute_batch("PRAGMA foreign_keys = ON")?;
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            kind: RefCell::new(None),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Restricts every later query to runs on machines of `kind` (`None`: all kinds).
    pub fn set_kind(&self, kind: Option<&str>) {
        *self.kind.borrow_mut() = kind.map(str::to_string);
    }

    pub fn kind(&self) -> Option<String> {
        self.kind.borrow().clone()
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
            "INSERT OR IGNORE INTO machines (name, hostname, cpu, cores, memory_mb, kernel, kind)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                m.name,
                m.hostname,
                m.cpu,
                m.cores,
                m.memory_mb,
                m.kernel,
                m.kind()
            ],
        )?;
        Ok(self.conn.query_row(
            "SELECT id FROM machines WHERE name = ?1 AND hostname = ?2 AND cpu = ?3
             AND cores = ?4 AND memory_mb = ?5 AND kernel = ?6",
            params![m.name, m.hostname, m.cpu, m.cores, m.memory_mb, m.kernel],
            |r| r.get(0),
        )?)
    }

    fn toolchain_id(&self, rustc: &str) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO toolchains (rustc) VALUES (?1)",
            [rustc],
        )?;
        Ok(self
            .conn
            .query_row("SELECT id FROM toolchains WHERE rustc = ?1", [rustc], |r| {
                r.get(0)
            })?)
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
        let toolchain_id = self.toolchain_id(rustc)?;
        self.conn.execute(
            "INSERT INTO runs (uuid, commit_sha, machine_id, toolchain_id, fingerprint, started_at, settings)
             VALUES (?1, ?2, ?3, ?4, ?5, datetime('now'), ?6)",
            params![
                new_run_uuid(sha, machine),
                sha,
                machine_id,
                toolchain_id,
                machine.fingerprint(rustc),
                settings
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn run_uuid(&self, run: i64) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT uuid FROM runs WHERE id = ?1", [run], |r| r.get(0))?)
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
        let uuid = self.run_uuid(run)?;
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO measurements (run_id, benchmark, metric, repetition, value, checksum)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (i, v) in values.iter().enumerate() {
                let repetition = (process * PROCESS_STRIDE + i) as i64;
                let sum = value_checksum(&uuid, benchmark, metric, repetition, *v);
                stmt.execute(params![run, benchmark, metric, repetition, v, sum])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores a `som-prof` profile of `mode` (`clock` or `time`).
    pub fn add_profile(
        &self,
        run: i64,
        benchmark: &str,
        mode: &str,
        json: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO profiles (run_id, benchmark, mode, profile) VALUES (?1, ?2, ?3, ?4)",
            params![run, benchmark, mode, json],
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

/// A run id unique across machines and files: time, process, a counter and the machine.
fn new_run_uuid(sha: &str, machine: &Machine) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let who =
        crc32fast::hash(format!("{}\0{}\0{sha}", machine.hostname, machine.kind()).as_bytes());
    format!("{nanos:x}-{:x}-{n:x}-{who:08x}", std::process::id())
}

/// Refuses to open a history with a rollback journal or write-ahead log beside it.
fn refuse_stray_journals(path: &Path) -> Result<(), StoreError> {
    for suffix in ["-journal", "-wal"] {
        let mut name = path.as_os_str().to_os_string();
        name.push(suffix);
        let stray = PathBuf::from(name);
        if stray.exists() {
            return Err(StoreError::StrayJournal {
                path: path.to_path_buf(),
                stray,
            });
        }
    }
    Ok(())
}

/// Refuses a file that exists, is not empty, and does not start with SQLite's magic;
/// answers whether the file is missing or empty.
fn check_header(path: &Path) -> Result<bool, StoreError> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
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
        Ok(magic.is_empty())
    } else {
        Err(StoreError::NotSqlite(path.to_path_buf()))
    }
}

mod merge;
mod queries;
pub use merge::Merged;
pub use queries::{CommitRuns, Group};
#[cfg(test)]
mod tests;
