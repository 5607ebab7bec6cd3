//! `som-prof record --max-tier 2 --jit-threshold 0` on a program whose hot loop runs in
//! tier-2 code and whose `add:to:` deoptimizes once (a Double argument): time samples
//! in tier-2 code are named `Class>>selector [tier 2]` in the optimized category, and
//! `firefox.json` has tier-2 compilations, tier-ups and the deopt as markers in the
//! optimized category.

use serde_json::Value;
use std::process::Command;

const HOT2: &str = "Hot2 = (
    add: a to: b = ( ^ a + b )
    sumSquares: n = ( | t | t := 0. 1 to: n do: [ :i | t := t + (i * i) ]. ^ t )
    run: args = (
        | t n |
        n := (args at: 2) asInteger.
        t := 0.
        1 to: 50 do: [ :i | t := self add: t to: i ].
        (self add: 1.5 to: 2) println.
        1 to: n do: [ :k | t := t + (self sumSquares: 100000) ].
        t println
    )
)";

fn json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn tier_two_samples_and_markers_in_the_optimized_category() {
    let dir = std::env::temp_dir().join(format!("som-prof-tier2-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Hot2.som"), HOT2).unwrap();
    let out = dir.join("p");
    let status = Command::new(env!("CARGO_BIN_EXE_som-prof"))
        .args(["record", "-o", out.to_str().unwrap()])
        .args(["--max-tier", "2", "--jit-threshold", "0"])
        .arg(dir.join("Hot2.som"))
        .arg("600")
        .env_remove("SOM_PROF_RAPL_ROOT")
        .output()
        .expect("runs som-prof");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    // Folded stacks: the hot loop's samples are in its tier-2 frame.
    let folded = std::fs::read_to_string(out.join("stacks.folded")).unwrap();
    let in_tier2: u64 = folded
        .lines()
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(s, _)| s.ends_with("Hot2>>sumSquares: [tier 2]"))
        .map(|(_, n)| n.parse::<u64>().unwrap())
        .sum();
    assert!(in_tier2 > 0, "no tier-2 samples:\n{folded}");

    let fx = json(&out.join("firefox.json"));
    let categories: Vec<&str> = fx["meta"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let optimized = categories
        .iter()
        .position(|c| *c == "Optimizing JIT (tier 2)")
        .unwrap() as u64;
    let thread = &fx["threads"][0];
    let strings: Vec<&str> = thread["stringArray"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let funcs = &thread["funcTable"];
    let frames = &thread["frameTable"];
    let hot = (0..frames["length"].as_u64().unwrap() as usize).find(|&i| {
        let func = frames["func"][i].as_u64().unwrap() as usize;
        strings[funcs["name"][func].as_u64().unwrap() as usize] == "Hot2>>sumSquares: [tier 2]"
    });
    let hot = hot.expect("a Hot2>>sumSquares: [tier 2] frame");
    assert_eq!(frames["category"][hot].as_u64(), Some(optimized));

    let markers = &thread["markers"];
    let n = markers["length"].as_u64().unwrap() as usize;
    let s = |v: &Value| strings[v.as_u64().unwrap() as usize];
    let find = |name: &str, method: &str| -> Vec<usize> {
        (0..n)
            .filter(|&i| {
                s(&markers["name"][i]) == name && s(&markers["data"][i]["method"]) == method
            })
            .collect()
    };
    for method in ["Hot2>>sumSquares:", "Hot2>>add:to:"] {
        let compile = find("JIT compile (tier 2)", method);
        assert_eq!(compile.len(), 1, "{method}: one tier-2 compilation");
        let up = find("Tier-up to tier 2", method);
        assert_eq!(up.len(), 1, "{method}: one tier-up");
        for i in compile.iter().chain(&up) {
            assert_eq!(markers["category"][*i].as_u64(), Some(optimized));
        }
        // The tier-up is where the compilation ended.
        assert_eq!(markers["startTime"][up[0]], markers["endTime"][compile[0]]);
    }
    let deopts = find("Deopt", "Hot2>>add:to:");
    assert_eq!(deopts.len(), 1, "one deopt of add:to:");
    let d = deopts[0];
    assert_eq!(markers["category"][d].as_u64(), Some(optimized));
    let detail = s(&markers["data"][d]["detail"]);
    assert!(detail.starts_with("NotInt at bytecode 1"), "{detail}");
    // It happened after add:to: tiered up.
    let up = find("Tier-up to tier 2", "Hot2>>add:to:")[0];
    let (t_up, t_deopt) = (
        markers["startTime"][up].as_f64().unwrap(),
        markers["startTime"][d].as_f64().unwrap(),
    );
    assert!(t_up <= t_deopt, "{t_up} {t_deopt}");
    assert_eq!(
        (0..n)
            .filter(|&i| s(&markers["name"][i]) == "Deopt")
            .count(),
        1,
        "no other deopts"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
