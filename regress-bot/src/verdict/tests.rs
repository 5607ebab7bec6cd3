//! Tests of the verdict rules: thresholds, significance, and the noise model.

use super::*;

fn runs(sha: &str, processes: &[&[f64]]) -> CommitRuns {
    CommitRuns {
        sha: sha.into(),
        groups: processes
            .iter()
            .enumerate()
            .map(|(i, values)| crate::store::Group {
                run: 1,
                process: i as i64,
                values: values.to_vec(),
            })
            .collect(),
    }
}

#[test]
fn a_deterministic_count_is_flagged_beyond_the_minimum_change_only() {
    let p = Policy::default();
    let v = judge_values("Fib", "instructions", &[1000.0], &[1030.0], 0.0, &p).unwrap();
    assert_eq!(v.flagged, Some(Direction::Regression));
    assert!((v.change - 0.03).abs() < 1e-12);
    let v = judge_values("Fib", "instructions", &[1000.0], &[1015.0], 0.0, &p).unwrap();
    assert_eq!(v.flagged, None);
    let v = judge_values("Fib", "instructions", &[1000.0], &[900.0], 0.0, &p).unwrap();
    assert_eq!(v.flagged, Some(Direction::Improvement));
}

#[test]
fn historical_noise_raises_the_threshold() {
    let p = Policy::default();
    let v = judge_values("Fib", "peak_heap_bytes", &[1000.0], &[1050.0], 0.02, &p).unwrap();
    assert!((v.threshold - 0.06).abs() < 1e-12);
    assert_eq!(v.flagged, None);
}

#[test]
fn wall_time_needs_significance_and_size() {
    let p = Policy::default();
    let base: Vec<f64> = (0..12).map(|i| 1000.0 + (i % 4) as f64).collect();
    let slower: Vec<f64> = base.iter().map(|v| v * 1.10).collect();
    let v = judge_values("Fib", "wall_us", &base, &slower, 0.0, &p).unwrap();
    assert_eq!(v.flagged, Some(Direction::Regression));
    assert!(v.confidence > 0.99);
    // 1% slower and significant, but under the 2% minimum
    let slightly: Vec<f64> = base.iter().map(|v| v * 1.01).collect();
    assert_eq!(
        judge_values("Fib", "wall_us", &base, &slightly, 0.0, &p)
            .unwrap()
            .flagged,
        None
    );
    // 10% on three values each: 1% is out of reach, and the verdict says so
    let v = judge_values("Fib", "wall_us", &base[..3], &slower[..3], 0.0, &p).unwrap();
    assert_eq!(v.flagged, None);
    assert!(!v.alpha_reachable);
    assert!(
        v.method.contains("cannot reach α = 0.01 with 3 against 3"),
        "{}",
        v.method
    );
}

#[test]
fn a_six_fold_slowdown_is_flagged_at_the_default_number_of_runs() {
    // Fib's process medians at the defaults (5 processes each), then the same commit's
    // `som` forced to --max-tier 0: 5.9x slower. The normal approximation gave p = 0.0122.
    let runs = crate::measure::DEFAULT_RUNS as usize;
    let base: Vec<f64> = [20_410.0, 20_380.0, 20_650.0, 20_290.0, 20_520.0][..runs].to_vec();
    let head: Vec<f64> = base.iter().map(|v| v * 5.9).collect();
    let p = Policy::default();
    check_runs_reach_alpha(crate::measure::DEFAULT_RUNS, p.alpha).unwrap();
    let v = judge_values("Fib", "wall_us", &base, &head, 0.01, &p).unwrap();
    assert_eq!(v.flagged, Some(Direction::Regression), "{v:?}");
    assert!(v.method.contains("exact"), "{}", v.method);
}

#[test]
fn a_number_of_runs_that_cannot_reach_alpha_is_refused() {
    let err = check_runs_reach_alpha(4, 0.01).unwrap_err();
    assert!(err.contains("--runs 4 cannot reach α = 0.01"), "{err}");
    assert!(err.contains("use --runs 5 or more"), "{err}");
    check_runs_reach_alpha(4, 0.05).unwrap();
    assert!(check_runs_reach_alpha(1, 0.5).is_err());
}

#[test]
fn noise_comes_from_process_medians_or_the_spread_within_one_process() {
    let h = vec![
        runs("a", &[&[100.0, 100.0], &[104.0, 104.0], &[102.0]]),
        runs("b", &[&[200.0, 201.0], &[202.0, 200.0], &[210.0]]),
        runs("c", &[&[50.0]]),
    ];
    // a: medians 100, 104, 102 → MAD 2 around 102; b: 200.5, 201, 210 → MAD 0.5 around 201
    let n = noise(&h);
    let expected = 1.4826 * (2.0 / 102.0 + 0.5 / 201.0) / 2.0;
    assert!((n - expected).abs() < 1e-9, "{n}");
    let within = noise(&[runs("d", &[&[10.0, 11.0, 12.0]])]);
    assert!((within - 1.4826 / 11.0).abs() < 1e-9);
    assert_eq!(noise(&[]), 0.0);
}

#[test]
fn timings_compare_process_medians_and_counts_compare_values() {
    let groups = vec![vec![1.0, 9.0, 2.0], vec![4.0, 5.0]];
    assert_eq!(samples("wall_us", &groups), vec![2.0, 4.5]);
    assert_eq!(
        samples("instructions", &groups),
        vec![1.0, 9.0, 2.0, 4.0, 5.0]
    );
}

#[test]
fn counts_that_start_at_zero() {
    let p = Policy::default();
    let v = judge_values("T", "gc_count", &[0.0], &[3.0], 0.0, &p).unwrap();
    assert_eq!(v.flagged, Some(Direction::Regression));
    assert_eq!(
        judge_values("T", "gc_count", &[0.0], &[0.0], 0.0, &p)
            .unwrap()
            .flagged,
        None
    );
}
