//! Running one benchmark in one language as a child process and reading back the
//! harness protocol: one line `<Name>: iteration <i>: <micros>us` per iteration.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Which implementation runs a benchmark.
#[derive(Debug, Clone)]
pub enum Language {
    /// Our VM, optionally capped at a tier.
    Som { binary: PathBuf, tier: Option<u8> },
    /// A Lua interpreter (`lua5.4`).
    Lua(String),
    /// A Python interpreter (`python3`).
    Python(String),
    /// Another build of our VM (`som:PATH` on the command line), e.g. one built
    /// without the introspection hooks, to compare two builds in one run.
    OtherSom(PathBuf),
}

impl Language {
    /// The language for an interpreter command given to `compare`; `tier:N` is `som`
    /// (the binary being compared) capped at tier N.
    pub fn from_interpreter(cmd: &str, som: &Path) -> Result<Language> {
        let base = Path::new(cmd)
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or(cmd);
        if let Some(path) = cmd.strip_prefix("som:") {
            Ok(Language::OtherSom(PathBuf::from(path)))
        } else if let Some(tier) = cmd.strip_prefix("tier:") {
            let tier = tier
                .parse()
                .with_context(|| format!("'{cmd}': expected tier:0 or tier:1"))?;
            Ok(Language::Som {
                binary: som.to_path_buf(),
                tier: Some(tier),
            })
        } else if base.starts_with("lua") {
            Ok(Language::Lua(cmd.to_string()))
        } else if base.starts_with("python") || base.starts_with("pypy") {
            Ok(Language::Python(cmd.to_string()))
        } else {
            bail!("don't know how to run the benchmarks with '{cmd}' (expected lua*, python*, som:PATH or tier:N)")
        }
    }

    pub fn label(&self) -> String {
        match self {
            Language::Som { tier: Some(t), .. } => format!("som (tier {t})"),
            Language::Som { .. } => "som".into(),
            Language::Lua(c) | Language::Python(c) => c.clone(),
            Language::OtherSom(p) => format!("som:{}", p.display()),
        }
    }

    fn command(&self, benches: &Path, name: &str, iterations: u32, inner: u32) -> Command {
        let counts = [name.to_string(), iterations.to_string(), inner.to_string()];
        match self {
            Language::Som { binary, tier } => self.som_command(binary, *tier, benches, counts),
            Language::OtherSom(binary) => self.som_command(binary, None, benches, counts),
            Language::Lua(cmd) => {
                let mut c = Command::new(cmd);
                c.arg(benches.join("lua/harness.lua")).args(counts);
                c
            }
            Language::Python(cmd) => {
                let mut c = Command::new(cmd);
                c.arg(benches.join("python/harness.py")).args(counts);
                c
            }
        }
    }
}

impl Language {
    fn som_command(
        &self,
        binary: &Path,
        tier: Option<u8>,
        benches: &Path,
        counts: [String; 3],
    ) -> Command {
        let mut c = Command::new(binary);
        if let Some(t) = tier {
            c.args(["--max-tier", &t.to_string()]);
        }
        let dir = benches.join("som");
        c.arg("-cp").arg(&dir).arg(dir.join("BenchHarness.som"));
        c.args(counts);
        c
    }
}

/// Runs `iterations` iterations in one process; answers microseconds per iteration.
pub fn run_once(
    lang: &Language,
    benches: &Path,
    name: &str,
    iterations: u32,
    inner: u32,
) -> Result<Vec<f64>> {
    let mut cmd = lang.command(benches, name, iterations, inner);
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {} (is it installed?)", lang.label()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "{name} failed under {} ({}): {}",
            lang.label(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let times = parse_iterations(&stdout, name);
    if times.len() != iterations as usize {
        bail!(
            "{name} under {} printed {} iteration lines, expected {iterations}",
            lang.label(),
            times.len()
        );
    }
    Ok(times)
}

/// Microseconds of every `<name>: iteration <i>: <n>us` line.
pub fn parse_iterations(stdout: &str, name: &str) -> Vec<f64> {
    let re = regex::Regex::new(r"^(\S+): iteration \d+: (\d+)us$").expect("valid regex");
    stdout
        .lines()
        .filter_map(|l| re.captures(l.trim()))
        .filter(|c| &c[1] == name)
        .filter_map(|c| c[2].parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iteration_lines_are_parsed_and_others_ignored() {
        let out =
            "Fib: iteration 1: 120us\nnoise\nFib: iteration 2: 100us\nSieve: iteration 1: 5us\n";
        assert_eq!(parse_iterations(out, "Fib"), vec![120.0, 100.0]);
    }

    #[test]
    fn interpreters_are_recognised() {
        let som = Path::new("/x/som");
        assert!(matches!(
            Language::from_interpreter("lua5.4", som),
            Ok(Language::Lua(_))
        ));
        assert!(matches!(
            Language::from_interpreter("/usr/bin/python3", som),
            Ok(Language::Python(_))
        ));
        match Language::from_interpreter("tier:0", som) {
            Ok(Language::Som { binary, tier }) => {
                assert_eq!((binary.as_path(), tier), (som, Some(0)));
            }
            other => panic!("{other:?}"),
        }
        assert!(Language::from_interpreter("tier:x", som).is_err());
        assert!(Language::from_interpreter("ruby", som).is_err());
    }
}
