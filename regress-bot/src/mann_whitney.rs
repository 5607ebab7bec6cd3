//! The Mann-Whitney U test (two-sided), with mid-ranks for ties: does one sample of wall
//! times tend to be larger than the other? Small samples (up to `EXACT_LIMIT` values in
//! all) get the exact permutation distribution of the rank sum, computed over the actual
//! mid-ranks, so ties are handled exactly too; larger ones the normal approximation with
//! tie and continuity corrections. `smallest_p` says which α a sample size can reach.

/// U of the first sample, the z score and the two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UTest {
    pub u: f64,
    pub z: f64,
    pub p: f64,
    /// Whether `p` comes from the exact distribution (else the normal approximation).
    pub exact: bool,
}

/// Pooled sample sizes up to this get the exact distribution.
pub const EXACT_LIMIT: usize = 60;

/// The smallest two-sided p-value any outcome can have with `n1` against `n2` untied
/// values: both extreme orderings, 2 / C(n1 + n2, n1). A test at α below this can never
/// reject. Answers 1 when either sample is empty.
pub fn smallest_p(n1: usize, n2: usize) -> f64 {
    if n1 == 0 || n2 == 0 {
        return 1.0;
    }
    (2.0 / binomial(n1 + n2, n1)).min(1.0)
}

fn binomial(n: usize, k: usize) -> f64 {
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Exact two-sided p-value: the share of all C(N, n1) ways to pick the first sample's
/// ranks from the pooled (doubled, hence integer) mid-ranks whose rank sum lies at least
/// as far from its mean as the observed one.
fn exact_p(doubled_ranks: &[u64], n1: usize, observed: u64) -> f64 {
    let total: u64 = doubled_ranks.iter().sum();
    // ways[k][s]: subsets of size k with doubled rank sum s
    let mut ways = vec![vec![0.0f64; total as usize + 1]; n1 + 1];
    ways[0][0] = 1.0;
    for &r in doubled_ranks {
        for k in (1..=n1).rev() {
            for s in (r as usize..=total as usize).rev() {
                let add = ways[k - 1][s - r as usize];
                if add != 0.0 {
                    ways[k][s] += add;
                }
            }
        }
    }
    // the doubled rank sum has mean n1 (N + 1)
    let mean2 = (n1 * (doubled_ranks.len() + 1)) as i64;
    let distance = |s: i64| (s - mean2).abs();
    let far = distance(observed as i64);
    let (mut hit, mut all) = (0.0, 0.0);
    for (s, &w) in ways[n1].iter().enumerate() {
        all += w;
        if distance(s as i64) >= far {
            hit += w;
        }
    }
    (hit / all).min(1.0)
}

/// Mid-ranks (1-based) of the pooled values; ties share the mean of their ranks.
/// Also answers Σ(t³ − t) over groups of ties.
fn ranks(pooled: &[f64]) -> (Vec<f64>, f64) {
    let mut order: Vec<usize> = (0..pooled.len()).collect();
    order.sort_by(|&a, &b| pooled[a].total_cmp(&pooled[b]));
    let mut rank = vec![0.0; pooled.len()];
    let mut ties = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && pooled[order[j + 1]] == pooled[order[i]] {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            rank[k] = mid;
        }
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        i = j + 1;
    }
    (rank, ties)
}

/// The test for samples `a` and `b`; `None` if either is empty or all values are tied.
pub fn mann_whitney(a: &[f64], b: &[f64]) -> Option<UTest> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let pooled: Vec<f64> = a.iter().chain(b).copied().collect();
    let (rank, ties) = ranks(&pooled);
    let r1: f64 = rank[..a.len()].iter().sum();
    let u = r1 - n1 * (n1 + 1.0) / 2.0;
    let n = n1 + n2;
    let mean = n1 * n2 / 2.0;
    let var = n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    if var <= 0.0 {
        return None;
    }
    let diff = u - mean;
    let corrected = (diff.abs() - 0.5).max(0.0) * diff.signum();
    let z = corrected / var.sqrt();
    if pooled.len() <= EXACT_LIMIT {
        let doubled: Vec<u64> = rank.iter().map(|r| (r * 2.0).round() as u64).collect();
        let observed: u64 = doubled[..a.len()].iter().sum();
        return Some(UTest {
            u,
            z,
            p: exact_p(&doubled, a.len(), observed),
            exact: true,
        });
    }
    Some(UTest {
        u,
        z,
        p: (2.0 * normal_upper_tail(z.abs())).min(1.0),
        exact: false,
    })
}

/// The normal approximation's p-value for the same samples (kept for comparison with the
/// exact one in tests and notes).
pub fn normal_p(a: &[f64], b: &[f64]) -> Option<f64> {
    let t = mann_whitney(a, b)?;
    Some((2.0 * normal_upper_tail(t.z.abs())).min(1.0))
}

/// P(Z > z) for a standard normal Z (complementary error function, Numerical Recipes'
/// erfc approximation, relative error below 1.2e-7).
pub fn normal_upper_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() < eps
    }

    #[test]
    fn the_normal_tail_matches_tables() {
        assert!(close(normal_upper_tail(0.0), 0.5, 1e-7));
        assert!(close(normal_upper_tail(1.96), 0.024_997_9, 1e-6));
        assert!(close(normal_upper_tail(-1.0), 0.841_344_7, 1e-6));
    }

    #[test]
    fn separated_samples_without_ties() {
        // a = 1,2,3 ; b = 4,5,6: R1 = 6, U1 = 0, mean 4.5, var = 9/12*7 = 5.25,
        // z = -(4.5-0.5)/sqrt(5.25) = -1.745743, p = 2*P(Z>1.745743) = 0.080856
        // exact: 2 of the C(6,3) = 20 orderings are this extreme, p = 0.1
        let (a, b) = ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]);
        let t = mann_whitney(&a, &b).unwrap();
        assert_eq!(t.u, 0.0);
        assert!(close(t.z, -1.745_743, 1e-5), "{t:?}");
        assert!(close(normal_p(&a, &b).unwrap(), 0.080_856, 1e-4), "{t:?}");
        assert!(t.exact && close(t.p, 0.1, 1e-12), "{t:?}");
    }

    #[test]
    fn ties_get_mid_ranks_and_shrink_the_variance() {
        // a = 1,2,2 ; b = 2,3,4: pooled ranks 1, 3,3 | 3, 5, 6 → R1 = 7, U1 = 1.
        // ties: one group of 3 → Σ(t³−t) = 24; var = 9/12 * (7 − 24/30) = 4.65.
        // z = −(3.5 − 0.5)/sqrt(4.65) = −1.391217, p = 0.164167
        // exact over the mid-ranks 1,3,3,3,5,6 (doubled 2,6,6,6,10,12; doubled mean sum
        // 21): the observed doubled sum 14 is 7 from it; as far are {2,6,6} (3 ways, 14)
        // and {6,10,12} (3 ways, 28), so 6 of the 20 subsets: p = 0.3
        let (a, b) = ([1.0, 2.0, 2.0], [2.0, 3.0, 4.0]);
        let t = mann_whitney(&a, &b).unwrap();
        assert_eq!(t.u, 1.0);
        assert!(close(t.z, -1.391_217, 1e-5), "{t:?}");
        assert!(close(normal_p(&a, &b).unwrap(), 0.164_160, 1e-4), "{t:?}");
        assert!(close(t.p, 0.3, 1e-12), "{t:?}");
    }

    #[test]
    fn five_against_five_separated_reaches_one_percent_exactly() {
        // the normal approximation cannot get below 0.0122 here; the exact p is 2/252
        let a = [10.0, 11.0, 12.0, 13.0, 14.0];
        let b = [59.0, 60.0, 61.0, 62.0, 63.0];
        let t = mann_whitney(&a, &b).unwrap();
        assert!(close(t.p, 2.0 / 252.0, 1e-12), "{t:?}");
        assert!(normal_p(&a, &b).unwrap() > 0.012);
        assert!(close(smallest_p(5, 5), 2.0 / 252.0, 1e-12));
        assert!(smallest_p(4, 4) > 0.01);
        assert_eq!(smallest_p(0, 3), 1.0);
    }

    #[test]
    fn the_exact_distribution_is_symmetric_and_sums_to_one() {
        let a = [1.0, 4.0, 5.0];
        let b = [2.0, 3.0, 6.0, 7.0];
        let ab = mann_whitney(&a, &b).unwrap().p;
        let ba = mann_whitney(&b, &a).unwrap().p;
        assert!(close(ab, ba, 1e-12));
        assert!(close(mann_whitney(&a, &a).unwrap().p, 1.0, 1e-12));
    }

    #[test]
    fn larger_samples_shifted_are_significant_and_equal_ones_are_not() {
        let a: Vec<f64> = (0..20).map(|i| 100.0 + i as f64).collect();
        let b: Vec<f64> = (0..20).map(|i| 110.0 + i as f64).collect();
        assert!(mann_whitney(&a, &b).unwrap().p < 0.01);
        assert!(mann_whitney(&a, &a).unwrap().p > 0.9);
        assert_eq!(mann_whitney(&[1.0, 1.0], &[1.0]), None);
        assert_eq!(mann_whitney(&[], &[1.0]), None);
    }
}
