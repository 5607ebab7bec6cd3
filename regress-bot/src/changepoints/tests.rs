//! Tests of change-point detection on synthetic histories with seeded noise.

use super::*;
use crate::prng::Prng;
use crate::store::Group;
use crate::verdict::noise;

/// A uniform value in [0, 1).
fn unit(rng: &mut Prng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A history of `levels.len()` commits: per commit `processes` groups of 3 values around
/// its level with relative noise `spread` (uniform, seeded).
fn history(levels: &[f64], processes: usize, spread: f64, seed: u64) -> Vec<CommitRuns> {
    let mut rng = Prng::new(seed);
    levels
        .iter()
        .enumerate()
        .map(|(i, &level)| CommitRuns {
            sha: format!("c{i:02}"),
            groups: (0..processes)
                .map(|p| Group {
                    run: i as i64,
                    process: p as i64,
                    values: (0..3)
                        .map(|_| level * (1.0 + spread * (2.0 * unit(&mut rng) - 1.0)))
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

fn levels(segments: &[(usize, f64)]) -> Vec<f64> {
    segments
        .iter()
        .flat_map(|&(n, level)| std::iter::repeat_n(level, n))
        .collect()
}

fn found(metric: &str, h: &[CommitRuns]) -> Vec<(usize, Direction)> {
    detect("Fib", metric, h, noise(h), &Policy::default())
        .into_iter()
        .map(|c| (c.index, c.direction))
        .collect()
}

#[test]
fn two_level_shifts_in_noisy_wall_times_are_found_exactly() {
    let h = history(
        &levels(&[(14, 1000.0), (12, 1120.0), (16, 980.0)]),
        5,
        0.02,
        7,
    );
    assert_eq!(
        found("wall_us", &h),
        vec![(14, Direction::Regression), (26, Direction::Improvement)]
    );
}

#[test]
fn two_level_shifts_in_a_count_are_found_exactly() {
    let h = history(
        &levels(&[(10, 5.0e6), (20, 5.3e6), (9, 5.15e6)]),
        1,
        0.001,
        3,
    );
    let cps = detect("Fib", "instructions", &h, noise(&h), &Policy::default());
    let at: Vec<_> = cps.iter().map(|c| (c.index, c.sha.as_str())).collect();
    assert_eq!(at, vec![(10, "c10"), (30, "c30")]);
    assert!((cps[0].change - 0.06).abs() < 0.01, "{cps:?}");
    assert!((cps[1].change + 0.0283).abs() < 0.01, "{cps:?}");
}

#[test]
fn noise_without_shifts_yields_no_change_points() {
    for seed in 1..=10 {
        let h = history(&levels(&[(40, 1000.0)]), 5, 0.03, seed);
        assert_eq!(found("wall_us", &h), vec![], "seed {seed}");
        let h = history(&levels(&[(40, 1.0e6)]), 1, 0.004, seed);
        assert_eq!(found("instructions", &h), vec![], "seed {seed}");
    }
}

#[test]
fn a_shift_at_the_last_commit_is_found_and_detection_is_deterministic() {
    let h = history(&levels(&[(12, 1000.0), (1, 1300.0)]), 5, 0.01, 11);
    assert_eq!(found("wall_us", &h), vec![(12, Direction::Regression)]);
    assert_eq!(found("wall_us", &h), found("wall_us", &h));
    assert_eq!(found("wall_us", &h[..1]), vec![]);
    assert_eq!(found("wall_us", &[]), vec![]);
}

#[test]
fn the_energy_statistic_peaks_at_a_clean_step() {
    let x = [1.0, 1.0, 1.0, 5.0, 5.0];
    let e = Energy::new(&x);
    let best = (1..5).max_by(|&a, &b| e.q(0, a, 5).total_cmp(&e.q(0, b, 5)));
    assert_eq!(best, Some(3));
    // left: no spread; between: all 6 pairs at distance 4 → (3·2/5)·(2·24/6) = 9.6
    assert!((e.q(0, 3, 5) - 9.6).abs() < 1e-9);
}

#[test]
fn a_flagged_change_continues_or_starts_a_shift() {
    let p = Policy::default();
    // steps of +12% at c06 and at the head c09: the head's step continues c06's
    let h = history(
        &levels(&[(6, 1000.0), (3, 1120.0), (1, 1254.0)]),
        5,
        0.01,
        5,
    );
    let cps = detect("Fib", "wall_us", &h, noise(&h), &p);
    assert_eq!(cps.iter().map(|c| c.index).collect::<Vec<_>>(), vec![6, 9]);
    let s = relate(&h, "c08", &cps, Direction::Regression);
    assert!(s.continues && s.since.as_deref() == Some("c06"), "{s:?}");
    // an old base: the head's level began at c06, after the base
    let h2 = history(&levels(&[(6, 1000.0), (4, 1120.0)]), 5, 0.01, 5);
    let cps2 = detect("Fib", "wall_us", &h2, noise(&h2), &p);
    let s = relate(&h2, "c02", &cps2, Direction::Regression);
    assert!(s.continues && s.since.as_deref() == Some("c06"), "{s:?}");
    // a first step at the head starts a shift
    let h3 = history(&levels(&[(9, 1000.0), (1, 1200.0)]), 5, 0.01, 5);
    let cps3 = detect("Fib", "wall_us", &h3, noise(&h3), &p);
    let s = relate(&h3, "c08", &cps3, Direction::Regression);
    assert!(
        !s.continues && s.sentence.starts_with("starts a new shift"),
        "{s:?}"
    );
}
