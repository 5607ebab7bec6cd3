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
    let e = explain_profiles(Some(BASE), Some(HEAD), &[], &[]);
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
        None,
        Some(HEAD),
        &["no som-prof in this commit".into()],
        &[],
    );
    assert_eq!(
        e,
        ProfileExplanation::Unavailable {
            reason: "no profile for base: no som-prof in this commit".into()
        }
    );
    let e = explain_profiles(Some("{}"), Some(HEAD), &[], &[]);
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
