//! A method installed at run time (`Class>>methods at:put:`) takes effect at once in
//! code of every tier that had cached the old lookup: the golden program
//! `tests/som/reflection/MethodInstalledAtRunTime.som` runs in tier 0, in tier 1 from
//! the first call and with default tiering, with the same output, logical clock and
//! send counts, and in tier 1 its probing method was compiled (with its inline caches
//! filled) before the installation ran.

use som_vm::introspect::{Inputs, JitEventKind, Machine, Options};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs the program with `max_tier`/`jit_threshold`; answers the finished machine.
fn run(max_tier: u8, jit_threshold: Option<u32>) -> Machine {
    let root = repo();
    let mut options = Options {
        max_tier,
        class_path: vec![root.join("tests/som/support")],
        ..Options::default()
    };
    if let Some(t) = jit_threshold {
        options.jit_threshold = t;
    }
    let file = root.join("tests/som/reflection/MethodInstalledAtRunTime.som");
    let mut m = Machine::load(options, &file, &[], Inputs::Live, true).expect("loads");
    let exit = m.run();
    assert_eq!(exit.status, 0, "{:?}", exit.error);
    m
}

#[test]
fn an_installed_method_replaces_the_cached_one_in_every_tier_alike() {
    let configs = [(0, None), (1, Some(0)), (1, None)];
    let mut seen: Option<(Vec<u8>, som_vm::introspect::Stats)> = None;
    for (tier, threshold) in configs {
        let m = run(tier, threshold);
        let out = m.view().output().to_vec();
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.starts_with(
                "before baseG baseG baseG otherG 10\nafter baseH baseH baseH otherG 15\n"
            ),
            "tier {tier}: {text}"
        );
        let mut stats = m.stats();
        stats.gc_pause = Default::default();
        stats.peak_heap = 0;
        if let Some((first_out, first_stats)) = &seen {
            assert_eq!(
                first_out, &out,
                "output differs in tier {tier} {threshold:?}"
            );
            assert_eq!(
                first_stats, &stats,
                "figures differ in tier {tier} {threshold:?}"
            );
        }
        seen = Some((out, stats));
    }
}

#[test]
fn tier_one_code_compiled_before_the_installation_sees_the_new_method() {
    let m = run(1, Some(0));
    let view = m.view();
    let compiled_at = |class: &str, selector: &str| {
        let key = view.find_method(class, selector).expect(selector);
        view.jit_events()
            .events
            .iter()
            .find(|e| e.method == key && matches!(e.kind, JitEventKind::Compiled { .. }))
            .map(|e| e.clock)
            .unwrap_or_else(|| panic!("{class}>>{selector} was not compiled"))
    };
    let probe = compiled_at("MethodInstalledAtRunTime", "probe:sub:other:");
    let install = compiled_at("InstallBase class", "install:as:");
    assert!(
        probe < install,
        "probe:sub:other: compiled at {probe}, the installation at {install}"
    );
    let key = view
        .find_method("MethodInstalledAtRunTime", "probe:sub:other:")
        .unwrap();
    let counters = view.jit_counters(key);
    assert!(
        counters.resumed_in_tier0.is_empty(),
        "probe:sub:other: left tier 1: {counters:?}"
    );
}
