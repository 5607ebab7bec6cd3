//! End-to-end tests of the direct send paths of tier 1 (`jit::prim_calls` and the
//! binary-operator sends of `jit::calls`): programs whose sends hit primitives (that
//! allocate, fail, push frames through `perform:`, restart the sender) and whose
//! binary operators reach objects run in tier 0, in tier 1 from the first call, under
//! `--gc-stress` and with default tiering; output, errors with their backtraces, exit
//! status, the logical clock and the send counts must not differ.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The configurations compared; the first is the reference.
const CONFIGS: &[&[&str]] = &[
    &["--max-tier", "0"],
    &["--max-tier", "1", "--jit-threshold", "0"],
    &["--gc-stress", "--max-tier", "1", "--jit-threshold", "0"],
    &["--max-tier", "1", "--jit-threshold", "2"],
];

const COUNTS: [&str; 5] = [
    "logical_clock",
    "bytecodes",
    "sends_monomorphic",
    "sends_polymorphic",
    "sends_megamorphic",
];

/// What a run shows: stdout, stderr, exit status and the `COUNTS` figures.
type Outcome = (String, String, i32, [u64; 5]);

/// A temporary directory holding the test classes.
struct Classes(PathBuf);

impl Classes {
    fn new(tag: &str) -> Classes {
        let dir = std::env::temp_dir().join(format!("som-jit-sends-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in [
            ("PrimSends", PRIM_SENDS),
            ("PrimPt", PRIM_PT),
            ("PrimFail", PRIM_FAIL),
            ("PrimArr", "PrimArr = Array ( | extra | )\n"),
        ] {
            std::fs::write(dir.join(format!("{name}.som")), text).unwrap();
        }
        Classes(dir)
    }

    /// Runs class `main` (with `args`) in configuration `config`.
    fn run(&self, config: &[&str], main: &str, args: &[&str]) -> Outcome {
        let dir = self.0.to_string_lossy().into_owned();
        let stats = self.0.join(format!("stats-{}.json", config.join("_")));
        let out = Command::new(env!("CARGO_BIN_EXE_som"))
            .arg("--stats-json")
            .arg(&stats)
            .args(config)
            .args(["-cp", &dir])
            .arg(Path::new(&dir).join(format!("{main}.som")))
            .args(args)
            .env_remove("SOM_GC_STRESS")
            .output()
            .expect("run som");
        let json = std::fs::read_to_string(&stats).unwrap_or_default();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap_or(-1),
            COUNTS.map(|k| field(&json, k)),
        )
    }

    /// Runs `main` in every configuration; answers the reference outcome after
    /// checking that the others equal it.
    fn same_in_every_tier(&self, main: &str, args: &[&str]) -> Outcome {
        let first = self.run(CONFIGS[0], main, args);
        for c in &CONFIGS[1..] {
            let now = self.run(c, main, args);
            assert_eq!(first, now, "{main} {args:?} differs in {c:?}");
        }
        first
    }
}

impl Drop for Classes {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The integer after `"key":` in a flat JSON object.
fn field(json: &str, key: &str) -> u64 {
    let at = json.find(&format!("\"{key}\":")).expect(key) + key.len() + 3;
    let rest = &json[at..];
    let end = rest.find([',', '}']).unwrap();
    rest[..end].trim().parse().unwrap()
}

#[test]
fn sends_to_primitives_and_binary_operators_on_objects_match_tier_zero() {
    let classes = Classes::new("ok");
    let (out, err, status, counts) = classes.same_in_every_tier("PrimSends", &[]);
    assert_eq!((status, err.as_str()), (0, ""));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 9, "{out}");
    assert_eq!(&lines[6..], ["434943", "false", "false"]);
    // Monomorphic, polymorphic (`length` on four classes) and megamorphic (`hashcode`
    // on six) sites all ran.
    assert!(
        counts[2] > 10_000 && counts[3] >= 300 && counts[4] >= 290,
        "{counts:?}"
    );
}

#[test]
fn failing_primitives_and_errors_behind_cached_sends_match_tier_zero() {
    let classes = Classes::new("fail");
    let cases = [
        (
            "substring",
            "error: index 9 out of bounds for String of length 3",
        ),
        (
            "new",
            "error: Array class>>new: expected a non-negative Integer, got -1",
        ),
        (
            "perform",
            "error: PrimFail does not understand #noSuchSelector",
        ),
        ("dnu", "error: Object does not understand #<"),
        ("vector", "error: Vector[1..1]: index 9 out of bounds"),
        (
            "int",
            "error: Integer>>bitXor: expected a number as argument, got a String",
        ),
        (
            "double",
            "error: Double>>+ expected a number as argument, got a String",
        ),
    ];
    for (kind, message) in cases {
        let (out, err, status, _) = classes.same_in_every_tier("PrimFail", &[kind]);
        assert_eq!((status, out.as_str()), (1, ""), "{kind}: {err}");
        assert_eq!(err.lines().next(), Some(message), "{kind}");
        assert!(err.contains("at PrimFail>>step:kind: ("), "{kind}: {err}");
    }
}

/// Primitive sends at monomorphic, polymorphic and megamorphic sites (allocating ones
/// among them; to objects, small integers and immediate Doubles), bytecode methods of
/// Integer, `perform:` of a primitive and of a method, `whileTrue:` on block
/// variables (built on `restart`), `at:`, `at:put:` on a Dictionary, a Vector and an
/// Array, `/` and `\\` of objects, and binary operators whose receiver is an object:
/// String `=` (a primitive), bytecode `+` and `=`, a trivial `<`, and `>` answered
/// by `doesNotUnderstand:arguments:`; boxed Doubles (which take the number path, no
/// send, in tier 0).
const PRIM_SENDS: &str = "PrimSends = (
    run: args = (
        | acc strings total mixed dict vec |
        acc := 0. total := 0.
        strings := Array new: 4.
        strings at: 1 put: 'alpha'. strings at: 2 put: #beta.
        strings at: 3 put: (Array new: 3). strings at: 4 put: PrimPt new.
        dict := Dictionary new.
        vec := Vector new. vec append: 1. vec append: 2. vec append: 3.
        mixed := Array new: 6.
        mixed at: 1 put: 'gamma'. mixed at: 2 put: #delta. mixed at: 3 put: strings.
        mixed at: 4 put: PrimPt new. mixed at: 5 put: Object new. mixed at: 6 put: 42.
        1 to: 300 do: [ :i | | s t p q |
            s := 'k' + i asString.
            t := 'k' + i asString.
            acc := acc + s length + (s hashcode % 1000).
            (s = t) ifTrue: [ acc := acc + 1 ].
            (s = i) ifFalse: [ acc := acc + 2 ].
            (#beta = 'beta') ifTrue: [ acc := acc + 3 ].
            acc := acc + (strings at: i % 4 + 1) length.
            p := PrimPt new x: i y: 1.
            q := p + (PrimPt new x: 1 y: i).
            (q = p) ifFalse: [ acc := acc + q x ].
            (p < q) ifTrue: [ acc := acc + 1 ].
            acc := acc + (i bitXor: 5) + (i max: 150) + i asString length.
            acc := acc + (i even ifTrue: [ 1 ] ifFalse: [ 2 ]).
            (i * 0.5) sqrt < 10 ifTrue: [ acc := acc + 1 ].
            dict at: s put: i.
            acc := acc + (dict at: t) + (vec at: i % 3 + 1) + (p / 2) + (q \\\\ 7).
            vec at: i % 3 + 1 put: i.
            acc := acc + PrimArr new length + (PrimArr new: i % 3) length.
            (strings at: 3) at: i % 3 + 1 put: s.
            ((1.0e300 * i) > (1.0e300 + 0.0)) ifTrue: [ acc := acc + 1 ].
            acc := acc + (p > q).
            acc := acc + (s perform: #length) + (self perform: #seven).
            acc := acc + (self loopTo: i % 5).
            acc := acc + (Array new: i % 7) length.
            (mixed at: i % 6 + 1) hashcode isNil ifTrue: [ acc := 0 ].
            i % 50 = 0 ifTrue: [ acc println ] ].
        acc println.
        (1.5 = 'x') println.
        ('x' = 1.5) println
    )
    seven = ( ^ 7 )
    loopTo: n = (
        | i cond body |
        i := 0.
        cond := [ i < n ].
        body := [ i := i + 1 ].
        cond whileTrue: body.
        ^ i
    )
)
";

/// Binary operators as bytecode methods, a trivial one, and `doesNotUnderstand:` for
/// the rest.
const PRIM_PT: &str = "PrimPt = (
    | x y |
    x: ax y: ay = ( x := ax. y := ay )
    x = ( ^ x )
    + other = ( ^ PrimPt new x: x + other x y: y + other y )
    = other = ( ^ x = other x and: [ y = other y ] )
    < other = ( ^ true )
    / n = ( ^ x + n )
    \\\\ n = ( ^ y % n )
    doesNotUnderstand: selector arguments: args = ( ^ selector length )
    length = ( ^ 2 )
)
";

/// A send site warmed up with good arguments that fails at the 250th call: a
/// primitive error (with an object or a small integer as receiver), `perform:` of a missing selector, a binary operator nothing
/// understands, a Double primitive given a String (reached through the number path).
const PRIM_FAIL: &str = "PrimFail = (
    run: args = (
        | kind |
        kind := args at: 2.
        1 to: 300 do: [ :i | self step: i kind: kind ]
    )
    step: i kind: kind = (
        | bad |
        bad := i = 250.
        kind = 'substring' ifTrue: [
            ^ 'abc' primSubstringFrom: 1 to: (bad ifTrue: [ 9 ] ifFalse: [ 2 ]) ].
        kind = 'new' ifTrue: [ ^ Array new: (bad ifTrue: [ -1 ] ifFalse: [ 2 ]) ].
        kind = 'perform' ifTrue: [
            ^ self perform: (bad ifTrue: [ #noSuchSelector ] ifFalse: [ #one ]) ].
        kind = 'dnu' ifTrue: [
            ^ (bad ifTrue: [ Object new ] ifFalse: [ PrimPt new ]) < 3 ].
        kind = 'vector' ifTrue: [
            ^ self vector at: (bad ifTrue: [ 9 ] ifFalse: [ 1 ]) ].
        kind = 'int' ifTrue: [ ^ 7 bitXor: (bad ifTrue: [ 'x' ] ifFalse: [ 3 ]) ].
        kind = 'double' ifTrue: [ ^ (bad ifTrue: [ 1.5 ] ifFalse: [ 'a' ]) + 'x' ].
        ^ self error: 'unknown kind ' + kind
    )
    one = ( ^ 1 )
    vector = ( | v | v := Vector new. v append: 5. ^ v )
)
";
