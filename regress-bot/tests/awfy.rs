//! AWFY benchmarks from a folder as part of the suite: a folder in the layout and
//! protocol of Are-We-Fast-Yet's SOM benchmarks (`Harness.som Name iterations inner`,
//! printing `Name: iterations=1 runtime: <µs>us` per iteration) whose programs are our
//! own stand-ins; `suite::entries` adds it as `awfy.<Name>` and `measure` reads its wall
//! times and the VM's counts, and refuses a folder without `Harness.som`.

mod common;

use common::{som, temp_dir, workspace};
use som_regress_bot::build::Built;
use som_regress_bot::measure::{measure, Settings};
use som_regress_bot::suite::{entries, Selection};

const HARNESS: &str = "Harness = (
    run: args = (
        | name iterations inner bench |
        name := args at: 2.
        iterations := (args at: 3) asInteger.
        inner := (args at: 4) asInteger.
        bench := (system load: name asSymbol) new.
        1 to: iterations do: [:i |
            | start |
            start := system ticks.
            (bench innerBenchmarkLoop: inner) ifFalse: [ self error: 'wrong result' ].
            (name + ': iterations=1 runtime: ' + (system ticks - start) asString + 'us') println ]
    )
)
";

const BOUNCE: &str = "Bounce = (
    innerBenchmarkLoop: n = (
        | sum |
        sum := 0.
        1 to: n * 200 do: [:i | sum := sum + i ].
        ^ sum > 0
    )
)
";

fn built() -> Built {
    Built {
        sha: "test".into(),
        som: som(),
        som_prof: None,
        benches_som: workspace().join("benches/som"),
        rustc: "rustc".into(),
    }
}

#[test]
fn awfy_benchmarks_from_a_folder_are_measured_with_their_own_harness() {
    let dir = temp_dir("awfy");
    let awfy = dir.join("awfy");
    let som_dir = awfy.join("benchmarks/SOM");
    std::fs::create_dir_all(&som_dir).unwrap();
    std::fs::write(som_dir.join("Harness.som"), HARNESS).unwrap();
    std::fs::write(som_dir.join("Bounce.som"), BOUNCE).unwrap();
    let filter = regex::Regex::new("^awfy\\.Bounce$").unwrap();
    let sel = Selection {
        generated: 0,
        filter: Some(&filter),
        awfy: Some(&awfy),
        shard: None,
    };
    let suite = entries(&built(), &dir.join("generated"), &sel).unwrap();
    assert_eq!(
        suite.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        vec!["awfy.Bounce"]
    );
    let settings = Settings {
        runs: 2,
        iterations: 3,
        callgrind: false,
        profile: false,
        vm_options: vec!["--max-tier".into(), "0".into()],
    };
    let m = measure(&built(), &suite[0], &settings, &dir.join("scratch")).unwrap();
    assert_eq!(m.wall.len(), 2, "{m:?}");
    assert!(
        m.wall.iter().all(|w| w.len() == 2),
        "warm-up dropped: {m:?}"
    );
    assert!(
        m.values
            .iter()
            .any(|(k, v)| k == "logical_clock" && v[0] > 0.0),
        "{m:?}"
    );

    let empty = dir.join("not-awfy");
    std::fs::create_dir_all(&empty).unwrap();
    let sel = Selection {
        awfy: Some(&empty),
        ..sel
    };
    let err = entries(&built(), &dir.join("generated"), &sel).unwrap_err();
    assert!(
        err.to_string().contains("holds no AWFY SOM benchmarks"),
        "{err}"
    );
}
