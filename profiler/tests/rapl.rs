//! Fake RAPL: a powercap tree whose counter a thread advances (wrapping around) while
//! `som-prof record --rapl-root` runs; the report says "measured", and the energy of
//! methods and tiers adds up to the counter's difference.

use serde_json::Value;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const MAX_UJ: u64 = 1_000_000;

fn write_counter(dir: &std::path::Path, value: u64) {
    let tmp = dir.join("energy_uj.tmp");
    std::fs::write(&tmp, format!("{value}\n")).unwrap();
    std::fs::rename(&tmp, dir.join("energy_uj")).unwrap();
}

#[test]
fn fake_rapl_energy_is_measured_and_adds_up() {
    let root = std::env::temp_dir().join(format!("som-prof-rapl-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let domain = root.join("intel-rapl:0");
    std::fs::create_dir_all(&domain).unwrap();
    std::fs::write(domain.join("max_energy_range_uj"), format!("{MAX_UJ}\n")).unwrap();
    std::fs::write(domain.join("name"), "package-0\n").unwrap();
    write_counter(&domain, MAX_UJ - 3_000);
    std::fs::write(root.join("Spin.som"), "Spin = ( run = ( | s | s := 0. 1 to: 20000000 do: [ :i | s := s + (i % 3) ]. s println ) )").unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let ticker = {
        let (stop, domain) = (stop.clone(), domain.clone());
        std::thread::spawn(move || {
            let mut value = MAX_UJ - 3_000;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(2));
                value = (value + 1_700) % MAX_UJ;
                write_counter(&domain, value);
            }
        })
    };
    let out = root.join("p");
    let status = Command::new(env!("CARGO_BIN_EXE_som-prof"))
        .args([
            "record",
            "--hz",
            "499",
            "-o",
            out.to_str().unwrap(),
            "--rapl-root",
            root.to_str().unwrap(),
        ])
        .arg(root.join("Spin.som"))
        .output()
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    ticker.join().unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(String::from_utf8_lossy(&status.stdout).contains("measured (RAPL powercap"));

    let p: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("profile.json")).unwrap()).unwrap();
    let energy = &p["energy"];
    assert_eq!(energy["source"], "measured");
    let (start, end) = (
        energy["rapl"]["start_uj"][0].as_u64().unwrap(),
        energy["rapl"]["end_uj"][0].as_u64().unwrap(),
    );
    let delta = if end >= start {
        end - start
    } else {
        MAX_UJ - start + end
    };
    assert!(
        delta > 0,
        "the counter moved during the run ({start} -> {end})"
    );
    let total = energy["total_j"].as_f64().unwrap();
    assert!(
        (total - delta as f64 / 1e6).abs() < 1e-9,
        "{total} J vs {delta} uJ"
    );
    let close = |x: f64| (x - total).abs() <= 1e-9 * total.max(1.0);
    let tiers: f64 = p["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["energy_j"].as_f64().unwrap())
        .sum();
    let methods: f64 = p["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["self_energy_j"].as_f64().unwrap())
        .sum();
    assert!(
        close(tiers) && close(methods),
        "tiers {tiers}, methods {methods}, total {total}"
    );
    let samples = p["total_samples"].as_f64().unwrap();
    let top = &p["methods"][0];
    let share = top["self_samples"].as_f64().unwrap() / samples;
    assert!((top["self_energy_j"].as_f64().unwrap() - total * share).abs() < 1e-9);
}
