//! Energy: counter wraparound, RAPL discovery from a fake powercap tree, and that
//! attributed energy adds up to the total for measured and modelled runs.

use super::*;

fn fake_rapl(name: &str, domains: &[(u64, u64)]) -> PathBuf {
    let root = std::env::temp_dir().join(format!("som-prof-rapl-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (i, &(energy, max)) in domains.iter().enumerate() {
        let d = root.join(format!("intel-rapl:{i}"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("energy_uj"), format!("{energy}\n")).unwrap();
        std::fs::write(d.join("max_energy_range_uj"), format!("{max}\n")).unwrap();
        std::fs::write(d.join("name"), format!("package-{i}\n")).unwrap();
        // A subzone, which must not be counted again.
        let sub = root.join(format!("intel-rapl:{i}:0"));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("energy_uj"), "5\n").unwrap();
    }
    std::fs::create_dir_all(root.join("intel-rapl")).unwrap();
    root
}

#[test]
fn counter_delta_handles_wraparound() {
    assert_eq!(counter_delta(100, 250, 1000), 150);
    assert_eq!(counter_delta(900, 50, 1000), 150);
    assert_eq!(counter_delta(7, 7, 1000), 0);
}

#[test]
fn rapl_finds_package_domains_only() {
    let root = fake_rapl("find", &[(10, 1000), (20, 2000)]);
    let rapl = Rapl::open(&root).unwrap();
    assert_eq!(rapl.domains.len(), 2);
    assert_eq!(rapl.domains[1].name, "intel-rapl:1 (package-1)");
    assert_eq!(rapl.read().unwrap(), vec![10, 20]);
    let m = Measured::new(&rapl, vec![900, 20], vec![100, 520]);
    assert_eq!(m.joules, (200 + 500) as f64 / 1e6);
    assert!(Rapl::open(&root.join("missing")).is_err());
    let empty = fake_rapl("empty", &[]);
    assert!(Rapl::open(&empty).unwrap_err().contains("no intel-rapl"));
}

fn kinds(pairs: &[(FrameKind, u64)]) -> BTreeMap<FrameKind, u64> {
    pairs.iter().copied().collect()
}

fn sum(a: &Attribution, samples: &BTreeMap<FrameKind, u64>) -> f64 {
    samples.iter().map(|(&k, &n)| a.joules(k, n)).sum()
}

#[test]
fn measured_energy_is_shared_by_samples_and_adds_up() {
    let root = fake_rapl("share", &[(0, 1_000_000)]);
    let rapl = Rapl::open(&root).unwrap();
    let source = Source::Measured(Measured::new(&rapl, vec![999_000], vec![2_000]));
    let samples = kinds(&[
        (FrameKind::Tier(0), 6),
        (FrameKind::Gc, 3),
        (FrameKind::Compiler, 1),
    ]);
    let a = Attribution::new(&source, Work::default(), &samples);
    assert_eq!(a.total_joules, 0.003);
    assert!((a.joules(FrameKind::Gc, 3) - 0.0009).abs() < 1e-12);
    assert!((sum(&a, &samples) - 0.003).abs() < 1e-12);
}

#[test]
fn modelled_energy_follows_tiers_and_adds_up() {
    let model = Model {
        watts: 10.0,
        seconds_per_bytecode: BTreeMap::from([("0".into(), 2e-9), ("1".into(), 5e-10)]),
        seconds_per_allocated_byte: 1e-10,
        calibration: "test".into(),
    };
    let source = Source::Model {
        model,
        origin: "test".into(),
        why: "none".into(),
    };
    let work = Work {
        bytecodes: 1_000_000_000,
        allocated_bytes: 2_000_000_000,
        seconds_per_sample: 0.0,
    };
    let samples = kinds(&[
        (FrameKind::Tier(0), 30),
        (FrameKind::Tier(1), 10),
        (FrameKind::Gc, 10),
    ]);
    let a = Attribution::new(&source, work, &samples);
    // bytecodes: 750M in tier 0 (15 J), 250M in tier 1 (1.25 J); allocation 2 J.
    assert!((a.total_joules - 18.25).abs() < 1e-9, "{a:?}");
    assert!((a.joules(FrameKind::Gc, 10) - 0.4).abs() < 1e-9);
    assert!((a.joules(FrameKind::Tier(1), 10) - (1.25 + 0.4)).abs() < 1e-9);
    assert!((sum(&a, &samples) - a.total_joules).abs() < 1e-9);
    let only_gc = kinds(&[(FrameKind::Gc, 4)]);
    let b = Attribution::new(&source, work, &only_gc);
    assert!((sum(&b, &only_gc) - b.total_joules).abs() < 1e-9 && b.total_joules > 20.0);
}

#[test]
fn every_phase_has_a_rate_in_the_model() {
    // 46 ms in the compiler (46 samples of 1 ms) at 15 W is 0.69 J, not the
    // allocation share alone.
    let source = Source::Model {
        model: Model::default(),
        origin: "test".into(),
        why: "none".into(),
    };
    let work = Work {
        bytecodes: 10_000_000,
        allocated_bytes: 1_000,
        seconds_per_sample: 1e-3,
    };
    let samples = kinds(&[
        (FrameKind::Tier(0), 50),
        (FrameKind::Compiler, 46),
        (FrameKind::Other, 4),
    ]);
    let a = Attribution::new(&source, work, &samples);
    let compiler = a.joules(FrameKind::Compiler, 46);
    assert!((compiler - 0.69).abs() < 1e-3, "{a:?}");
    assert!((a.joules(FrameKind::Other, 4) - 0.06).abs() < 1e-3, "{a:?}");
    assert!((sum(&a, &samples) - a.total_joules).abs() < 1e-9);
}

#[test]
fn model_files_round_trip() {
    let path = std::env::temp_dir().join(format!("som-prof-model-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&Model::default()).unwrap()).unwrap();
    assert_eq!(Model::load(&path).unwrap(), Model::default());
    assert_eq!(
        Model::default().seconds_per_bytecode(3),
        Model::default().seconds_per_bytecode(0)
    );
}
