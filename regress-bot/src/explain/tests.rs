//! Tests of the explanations, with fixture profiles in som-prof's JSON shape.

use super::*;

const BASE: &str = r#"{"mode":"clock","total_samples":1000,"methods":[
  {"method":"Fib>>fib:","tier":0,"self_samples":800,"total_samples":1000},
  {"method":"Integer>><","tier":0,"self_samples":150,"total_samples":150},
  {"method":"BenchHarness>>run:","tier":0,"self_samples":50,"total_samples":1000}]}"#;

const HEAD: &str = r#"{"mode":"clock","total_samples":2000,"methods":[
  {"method":"Fib>>fib:","tier":0,"self_samples":1000,"total_samples":2000},
  {"method":"Fib>>slowPath","tier":0,"self_samples":850,"total_samples":850},
  {"method":"Integer>><","tier":0,"self_samples":100,"total_samples":100},
  {"method":"BenchHarness>>run:","tier":0,"self_samples":50,"total_samples":2000}]}"#;

#[test]
fn share_changes_are_ranked_by_size() {
    let e = explain_profiles("clock", Some(BASE), Some(HEAD), &[], &[]);
    let ProfileExplanation::Shares { changes } = e else {
        panic!("{e:?}")
    };
    let names: Vec<_> = changes.iter().map(|c| c.method.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "Fib>>slowPath",
            "Fib>>fib:",
            "Integer>><",
            "BenchHarness>>run:"
        ]
    );
    assert!((changes[0].head_share - 0.425).abs() < 1e-12);
    assert!((changes[1].base_share - 0.8).abs() < 1e-12);
    assert!((changes[1].head_share - 0.5).abs() < 1e-12);
}

#[test]
fn a_missing_profile_says_why() {
    let e = explain_profiles(
        "clock",
        None,
        Some(HEAD),
        &["no som-prof in this commit".into()],
        &[],
    );
    assert_eq!(
        e,
        ProfileExplanation::Unavailable {
            reason: "no clock-mode profile for base: no som-prof in this commit".into()
        }
    );
    let e = explain_profiles("clock", Some("{}"), Some(HEAD), &[], &[]);
    assert!(matches!(e, ProfileExplanation::Unavailable { .. }));
}

#[test]
fn tiers_are_reported_honestly() {
    assert_eq!(
        explain_tiers([Some(0.0), Some(0.0)], [Some(0.0), None]),
        "no tier data (tier 0 only)"
    );
    assert!(explain_tiers([Some(0.0), Some(0.0)], [Some(3.0), Some(1.0)]).contains("0 → 3"));
}

#[test]
fn a_time_profile_shows_a_tier_one_method_whose_share_moved() {
    // the clock profile cannot see tier-1 code getting slower; the time profile can
    let base = r#"{"mode":"time","total_samples":1000,"methods":[
      {"method":"Fib>>fib:","tier":1,"self_samples":600,"total_samples":900},
      {"method":"Fib>>fib:","tier":0,"self_samples":100,"total_samples":100},
      {"method":"Integer>>+","tier":1,"self_samples":300,"total_samples":300}]}"#;
    let head = r#"{"mode":"time","total_samples":1000,"methods":[
      {"method":"Fib>>fib:","tier":1,"self_samples":850,"total_samples":950},
      {"method":"Fib>>fib:","tier":0,"self_samples":100,"total_samples":100},
      {"method":"Integer>>+","tier":1,"self_samples":50,"total_samples":50}]}"#;
    let e = explain_profiles("time", Some(base), Some(head), &[], &[]);
    let ProfileExplanation::Shares { changes } = e else {
        panic!("{e:?}")
    };
    let names: Vec<_> = changes.iter().map(|c| c.method.as_str()).collect();
    assert_eq!(names, vec!["Fib>>fib: [tier 1]", "Integer>>+ [tier 1]"]);
    let clock = explain_profiles("clock", Some(base), Some(head), &[], &[]);
    assert!(
        matches!(clock, ProfileExplanation::Unavailable { .. }),
        "{clock:?}"
    );
}
