//! The structural fuzzer: generated programs that are small but structurally unusual,
//! at and past every limit of the VM (locals, arguments, fields, literals, nesting,
//! inlining depth, class hierarchy shapes, `perform:` arities; `shapes.rs`), each with
//! the outcome it must have. Every program runs in every tier configuration; the tiers
//! must agree on exit status, stdout, stderr and the final logical clock, and the agreed
//! outcome must be the expected one. A signal, a time-out, a Rust panic or an internal
//! error status is always a finding.

mod shapes;

use crate::prng::Prng;
use crate::tiers::{difference, observe, Config, Observed};
use anyhow::Result;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What a case must end in (in every configuration alike).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Exit status 0 with exactly this stdout.
    Output(String),
    /// A load error (`file:line:column: message`, status 2) containing every one of these.
    LoadError(Vec<String>),
    /// A SOM error (`error: ...` and a backtrace, status 1) containing this.
    SomError(String),
    /// Either the output, or a load error naming a limit (where the exact limit that
    /// applies first is not worth predicting, e.g. parser nesting).
    OutputOrLimit(String),
}

/// One generated program: its classes as files (the first is the main class).
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub files: Vec<(String, String)>,
    pub expect: Expect,
}

/// Where the runs go and how long one may take.
pub struct Runner {
    pub som: PathBuf,
    pub configs: Vec<Config>,
    pub scratch: PathBuf,
    pub timeout: Duration,
}

/// Totals of a structural run.
#[derive(Debug, Default)]
pub struct Summary {
    pub programs: usize,
    pub runs: usize,
    pub findings: Vec<String>,
}

impl Runner {
    /// Runs `case` everywhere; `Some(description)` when something is wrong.
    pub fn check(&self, case: &Case) -> Result<Option<String>> {
        let dir = self.scratch.join("case");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        for (name, text) in &case.files {
            std::fs::write(dir.join(format!("{name}.som")), text)?;
        }
        let main = dir.join(format!("{}.som", case.files[0].0));
        let mut first: Option<(String, Observed)> = None;
        for config in &self.configs {
            let seen = observe(&self.som, config, &self.scratch, &main, self.timeout)?;
            if let Some(problem) = sanity(&seen) {
                return Ok(Some(format!("{problem} under '{}'", config.label)));
            }
            match &first {
                None => first = Some((config.label.clone(), seen)),
                Some((label, base)) => {
                    if let Some(d) = difference(label, base, &config.label, &seen) {
                        return Ok(Some(d));
                    }
                }
            }
        }
        let (_, seen) = first.expect("at least one configuration");
        Ok(meets(&case.expect, &seen))
    }

    /// Generates and checks programs from `seed` until `count` ran or `deadline` passed.
    pub fn run(
        &self,
        seed: u64,
        count: Option<usize>,
        deadline: Option<Instant>,
        log: &mut dyn FnMut(&str),
    ) -> Result<Summary> {
        let mut summary = Summary::default();
        let mut rng = Prng::new(seed);
        for i in 0.. {
            let done =
                count.is_some_and(|c| i >= c) || deadline.is_some_and(|d| Instant::now() >= d);
            if done {
                break;
            }
            let case = shapes::generate(&mut rng, i);
            summary.programs += 1;
            summary.runs += self.configs.len();
            match self.check(&case)? {
                None => log(&format!("ok {}", case.name)),
                Some(problem) => {
                    let saved = self.save(&case)?;
                    log(&format!(
                        "FINDING {}: {problem} (saved in {})",
                        case.name,
                        saved.display()
                    ));
                    summary.findings.push(format!("{}: {problem}", case.name));
                }
            }
        }
        Ok(summary)
    }

    fn save(&self, case: &Case) -> Result<PathBuf> {
        let out = self.scratch.parent().unwrap_or(&self.scratch);
        let dir = out.join("findings").join(&case.name);
        std::fs::create_dir_all(&dir)?;
        for (name, text) in &case.files {
            std::fs::write(dir.join(format!("{name}.som")), text)?;
        }
        std::fs::write(dir.join("EXPECTED.txt"), format!("{:?}\n", case.expect))?;
        Ok(dir)
    }
}

/// What is wrong whatever the program: a crash, a time-out, a Rust panic.
fn sanity(o: &Observed) -> Option<String> {
    if o.timed_out {
        return Some("a time-out".into());
    }
    match o.status {
        None => Some("killed by a signal".into()),
        Some(s) if !(0..=2).contains(&s) => {
            Some(format!("exit status {s}: {}", first_line(&o.stderr)))
        }
        _ if o.stderr.contains("panicked") => {
            Some(format!("a Rust panic: {}", first_line(&o.stderr)))
        }
        _ => None,
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// `None` when `seen` is what `expect` asks for.
fn meets(expect: &Expect, seen: &Observed) -> Option<String> {
    let err = first_line(&seen.stderr);
    let load_error = |parts: &[&str]| -> bool {
        let located = err
            .split(':')
            .nth(2)
            .is_some_and(|c| c.trim().parse::<u32>().is_ok());
        seen.status == Some(2) && located && parts.iter().all(|p| err.contains(p))
    };
    let ok = match expect {
        Expect::Output(out) => {
            seen.status == Some(0) && seen.stdout == *out && seen.stderr.is_empty()
        }
        Expect::LoadError(parts) => {
            load_error(&parts.iter().map(|s| s.as_str()).collect::<Vec<_>>())
        }
        Expect::SomError(part) => {
            seen.status == Some(1)
                && err.starts_with("error: ")
                && err.contains(part.as_str())
                && seen.stderr.contains("\n  at ")
        }
        Expect::OutputOrLimit(out) => {
            (seen.status == Some(0) && seen.stdout == *out) || load_error(&["limit"])
        }
    };
    (!ok).then(|| {
        format!(
            "expected {expect:?}, got status {:?}, stdout {:?}, stderr {:?}",
            seen.status,
            seen.stdout.chars().take(200).collect::<String>(),
            err
        )
    })
}
