//! The generator's pseudo-random numbers: SplitMix64, written here so that the same seed
//! gives the same programs on every machine and with every dependency version.

/// SplitMix64 (Steele, Lea, Flood 2014): a 64-bit state advanced by a fixed odd constant and
/// finalised by two multiply-xorshift rounds.
#[derive(Debug, Clone)]
pub struct Prng {
    state: u64,
}

impl Prng {
    pub fn new(seed: u64) -> Prng {
        Prng { state: seed }
    }

    /// A generator for one part of the output, independent of how much the others draw.
    pub fn fork(&self, salt: u64) -> Prng {
        let mut p = Prng::new(self.state ^ salt.wrapping_mul(0xA076_1D64_78BD_642F));
        p.next_u64();
        p
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi` (inclusive); `lo` when the range is empty.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u64 + 1;
        lo + (self.next_u64() % span) as i64
    }

    /// One of the items.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as i64 - 1) as usize]
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: i64) -> bool {
        self.range(0, 99) < percent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // First outputs of the reference C implementation for seed 1234567.
        let mut p = Prng::new(1234567);
        assert_eq!(p.next_u64(), 6457827717110365317);
        assert_eq!(p.next_u64(), 3203168211198807973);
    }

    #[test]
    fn ranges_stay_inside_their_bounds() {
        let mut p = Prng::new(7);
        for _ in 0..1000 {
            let v = p.range(-3, 5);
            assert!((-3..=5).contains(&v));
        }
        assert_eq!(p.range(4, 4), 4);
    }

    #[test]
    fn forks_differ_by_salt_and_not_by_later_draws() {
        let p = Prng::new(99);
        let a = p.fork(1).next_u64();
        let b = p.fork(2).next_u64();
        assert_ne!(a, b);
        assert_eq!(a, p.fork(1).next_u64());
    }
}
