//! Unit tests of the diff: share changes, merged tiers, self times, noise, and the
//! normalised differential stacks.

use super::*;

fn side(text: &str, ms_per_sample: f64) -> Side {
    Side {
        folded: Folded::parse(text).unwrap(),
        ms_per_sample,
    }
}

#[test]
fn shares_move_between_frames_and_identical_profiles_do_not() {
    let a = side("m [tier 0];f [tier 0] 80\nm [tier 0];g [tier 0] 20\n", 1.0);
    let b = side(
        "m [tier 0];f [tier 0] 50\nm [tier 0];g [tier 0] 40\nm [tier 0];[gc] 10\n",
        1.0,
    );
    let c = share_changes(&a, &b);
    let frames: Vec<&str> = c.iter().map(|c| c.frame.as_str()).collect();
    assert_eq!(frames, ["f [tier 0]", "g [tier 0]", "[gc]"]);
    assert!((c[0].change() + 0.3).abs() < 1e-12);
    assert!(share_changes(&a, &a).is_empty());
    assert!(table(&[], 10).starts_with("no method"));
}

#[test]
fn merged_tiers_compare_a_method_across_tiers() {
    let a = side(
        "M>>run [tier 0];M>>f [tier 0] 90\nM>>run [tier 0];[gc] 10\n",
        2.0,
    );
    let b = side(
        "M>>run [tier 0];M>>f [tier 1] 80\nM>>run [tier 1];M>>f [tier 1] 10\nM>>run [tier 0];[gc] 10\n",
        1.0,
    );
    // Unmerged, the tier-0 frame is gone and the tier-1 frame is new.
    let frames: Vec<String> = share_changes(&a, &b).into_iter().map(|c| c.frame).collect();
    assert_eq!(frames, ["M>>f [tier 0]", "M>>f [tier 1]"]);
    let merged = |s: &Side| Side {
        folded: merge_tiers(&s.folded),
        ms_per_sample: s.ms_per_sample,
    };
    assert!(share_changes(&merged(&a), &merged(&b)).is_empty());
    assert_eq!(
        merge_tiers(&b.folded).to_text(),
        "M>>run;M>>f 90\nM>>run;[gc] 10\n"
    );
}

#[test]
fn the_table_gives_self_times_and_marks_changes_within_noise() {
    // 1000 samples at 2 ms against 100 samples at 1 ms.
    let a = side(
        "r [tier 0];f [tier 0] 500\nr [tier 0];g [tier 0] 500\n",
        2.0,
    );
    let b = side(
        "r [tier 0];f [tier 0] 48\nr [tier 0];g [tier 0] 42\nr [tier 0];h [tier 0] 10\n",
        1.0,
    );
    let c = share_changes(&a, &b);
    let f = c.iter().find(|c| c.frame == "f [tier 0]").unwrap();
    assert_eq!((f.a_ms, f.b_ms), (1000.0, 48.0));
    // 50% against 48% of 100 samples: sampling alone moves that by about ±10pp.
    assert!(f.is_noise() && (f.noise - 0.1027).abs() < 1e-3, "{f:?}");
    let h = c.iter().find(|c| c.frame == "h [tier 0]").unwrap();
    assert!(!h.is_noise(), "{h:?}");
    let text = table(&c, 10);
    assert!(text.contains("     A ms     B ms"), "{text}");
    assert!(
        text.contains("1000.0     48.0   -2.00pp  10.27pp ~ f [tier 0]"),
        "{text}"
    );
    assert!(text.contains("±noise: 95% interval"), "{text}");
}

#[test]
fn the_differential_stacks_scale_a_to_b_like_the_table() {
    // A ran three times as long with the same shape: no frame grew or shrank.
    let a = Folded::parse("r;f 300\nr;g 600\n").unwrap();
    let b = Folded::parse("r;f 100\nr;g 200\n").unwrap();
    let text = flamegraph::differential_folded(&a, &b).unwrap();
    for line in text.lines() {
        let mut counts = line.rsplitn(3, ' ');
        assert_eq!(counts.next(), counts.next(), "{line}");
    }
}
