//! The timeline strip: the recording from clock 0 to its end clock as a bar one
//! character per stretch of clock, with breakpoint hits, watchpoint hits, logpoint hits and the
//! current position marked, and a scale line with the clock numbers.

/// A breakpoint hit on the bar.
pub const HIT: char = '◆';
/// A watchpoint hit (the watched value changed) on the bar.
pub const WATCH: char = '▼';
/// A logpoint hit on the bar.
pub const LOG: char = '●';
/// The current position on the bar.
pub const HERE: char = '█';
const TRACK: char = '─';

/// The cell (0-based) of `clock` on a bar `width` cells wide covering `0..=end`.
pub fn cell(clock: u64, end: u64, width: usize) -> usize {
    if width == 0 {
        return 0;
    }
    let last = width as u128 - 1;
    if end == 0 {
        return 0;
    }
    (clock.min(end) as u128 * last / end as u128) as usize
}

/// The bar and its scale line, `width` characters each.
pub fn bar(
    width: usize,
    end: u64,
    clock: u64,
    hits: &[u64],
    watch: &[u64],
    logs: &[u64],
) -> (String, String) {
    let mut cells = vec![TRACK; width];
    for (clocks, mark) in [(logs, LOG), (watch, WATCH), (hits, HIT)] {
        for &h in clocks {
            if let Some(c) = cells.get_mut(cell(h, end, width)) {
                *c = mark;
            }
        }
    }
    let here = cell(clock, end, width);
    if let Some(c) = cells.get_mut(here) {
        *c = HERE;
    }
    (cells.into_iter().collect(), scale(width, end, clock, here))
}

/// `0` at the left, the end clock at the right, the current clock under its cell
/// where it does not collide with either.
fn scale(width: usize, end: u64, clock: u64, here: usize) -> String {
    let mut line = vec![' '; width];
    let put = |line: &mut Vec<char>, at: usize, text: &str| {
        for (i, ch) in text.chars().enumerate() {
            if let Some(c) = line.get_mut(at + i) {
                *c = ch;
            }
        }
    };
    let end_text = end.to_string();
    let end_at = width.saturating_sub(end_text.len());
    let now = clock.to_string();
    let now_at = here.saturating_sub(now.len() / 2);
    if width > end_text.len() + 2 {
        put(&mut line, end_at, &end_text);
    }
    if now_at > 1 && now_at + now.len() + 1 < end_at {
        put(&mut line, now_at, &now);
    }
    put(&mut line, 0, "0");
    line.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_span_the_bar_from_zero_to_the_end() {
        assert_eq!(cell(0, 100, 11), 0);
        assert_eq!(cell(50, 100, 11), 5);
        assert_eq!(cell(100, 100, 11), 10);
        assert_eq!(cell(500, 100, 11), 10);
        assert_eq!(cell(7, 0, 11), 0);
        assert_eq!(cell(u64::MAX, u64::MAX, 80), 79);
    }

    #[test]
    fn the_bar_marks_hits_and_the_position_with_clock_numbers_below() {
        let (bar, scale) = bar(21, 200, 100, &[20, 180], &[40, 180], &[60, 180]);
        assert_eq!(bar, "──◆─▼─●───█───────◆──");
        assert_eq!(scale, "0        100      200");
        assert_eq!(bar.chars().count(), 21);
        assert_eq!(scale.chars().count(), 21);
    }

    #[test]
    fn tiny_bars_do_not_panic() {
        for w in 0..4 {
            let (b, s) = bar(w, 1_000_000, 999, &[5], &[7], &[9]);
            assert_eq!(b.chars().count(), w);
            assert_eq!(s.chars().count(), w);
        }
    }
}
