//! The bodies of the history commands of `som-regress` (merge, changepoints, history and
//! the report's charts), with anyhow context for the messages.

use anyhow::{Context, Result};
use som_regress_bot::changepoints::{detect, ChangePoint};
use som_regress_bot::history_svg::{render, Point};
use som_regress_bot::report::Report;
use som_regress_bot::store::{CommitRuns, Store};
use som_regress_bot::verdict::{noise, samples, Policy};
use std::path::Path;

/// `merge A B ... -o C`: every input is opened read-only and checked first, so a bad input
/// leaves C untouched.
pub fn merge(inputs: &[std::path::PathBuf], out: &Path) -> Result<()> {
    let sources = inputs
        .iter()
        .map(|p| Store::open_read_only(p).with_context(|| format!("cannot merge {}", p.display())))
        .collect::<Result<Vec<_>>>()?;
    let dest = Store::open(out).with_context(|| format!("cannot merge into {}", out.display()))?;
    for (path, source) in inputs.iter().zip(&sources) {
        let m = dest
            .merge_from(source)
            .with_context(|| format!("merging {} into {}", path.display(), out.display()))?;
        println!(
            "{}: {} run(s) added ({} values), {} already present",
            path.display(),
            m.runs_added,
            m.values_added,
            m.runs_already_present
        );
    }
    Ok(())
}

fn series(store: &Store, bench: &str, metric: &str) -> Result<Vec<CommitRuns>> {
    let h = store.history(bench, metric)?;
    anyhow::ensure!(
        !h.is_empty(),
        "no {metric} values of {bench} in {} for machine kind {}",
        store.path().display(),
        store.kind().unwrap_or_default()
    );
    Ok(h)
}

fn short(sha: &str) -> &str {
    &sha[..10.min(sha.len())]
}

/// `changepoints`: Markdown lines and the JSON of the detected change points.
pub fn changepoints(
    store: &Store,
    bench: &str,
    metric: &str,
    policy: &Policy,
) -> Result<(String, String)> {
    let h = series(store, bench, metric)?;
    let cps = detect(bench, metric, &h, noise(&h), policy);
    let mut md = format!(
        "{bench} {metric} on {}: {} commit(s), {} change point(s)\n",
        store.kind().unwrap_or_default(),
        h.len(),
        cps.len()
    );
    for c in &cps {
        let subject = store.commit(&c.sha)?.map(|c| c.subject).unwrap_or_default();
        md.push_str(&format!(
            "{} {:+.2}% ({} → {}) {subject} [{}]\n",
            short(&c.sha),
            c.change * 100.0,
            c.before,
            c.after,
            c.method
        ));
    }
    let json = serde_json::json!({
        "benchmark": bench,
        "metric": metric,
        "machine_kind": store.kind(),
        "commits": h.iter().map(|c| c.sha.clone()).collect::<Vec<_>>(),
        "change_points": cps,
    });
    Ok((md, serde_json::to_string_pretty(&json)?))
}

fn points(h: &[CommitRuns], metric: &str) -> Vec<Point> {
    h.iter()
        .filter_map(|c| {
            let groups: Vec<Vec<f64>> = c.groups.iter().map(|g| g.values.clone()).collect();
            let s = samples(metric, &groups);
            (!s.is_empty()).then(|| Point {
                label: c.sha[..7.min(c.sha.len())].to_string(),
                median: som_regress_bot::verdict::median(&s),
                low: s.iter().copied().fold(f64::INFINITY, f64::min),
                high: s.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            })
        })
        .collect()
}

/// The chart of one series, change points recomputed on the points drawn.
fn chart(store: &Store, bench: &str, metric: &str, policy: &Policy) -> Result<String> {
    let h: Vec<CommitRuns> = series(store, bench, metric)?;
    let cps: Vec<ChangePoint> = detect(bench, metric, &h, noise(&h), policy);
    let drawn: Vec<CommitRuns> = h.into_iter().filter(|c| !c.groups.is_empty()).collect();
    let title = format!("{bench} {metric} ({})", store.kind().unwrap_or_default());
    let unit = if metric.ends_with("_us") {
        "µs"
    } else {
        metric
    };
    Ok(render(&title, unit, &points(&drawn, metric), &cps)?)
}

pub fn history_svg(
    store: &Store,
    bench: &str,
    metric: &str,
    policy: &Policy,
    out: &Path,
) -> Result<()> {
    let svg = chart(store, bench, metric, policy)?;
    std::fs::write(out, svg).with_context(|| format!("cannot write {}", out.display()))
}

/// One chart per regression of the report into `dir`; answers the file names.
pub fn report_charts(
    store: &Store,
    r: &Report,
    policy: &Policy,
    dir: &Path,
) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut names = Vec::new();
    for v in &r.regressions {
        store.set_kind(Some(&v.machine));
        let safe: String = format!("{}-{}", v.benchmark, v.metric)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let name = format!("{safe}.svg");
        history_svg(store, &v.benchmark, &v.metric, policy, &dir.join(&name))?;
        names.push(name);
    }
    store.set_kind(None);
    Ok(names)
}
