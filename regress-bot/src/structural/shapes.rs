//! The program shapes of the structural fuzzer, each sized at, below or past one of the
//! VM's limits (docs/conventions.md, "Limits"), with its expected outcome computed here.

use super::{Case, Expect};
use crate::prng::Prng;

/// Frame slots, literals, fields (`u16` operands).
const WIDE: i64 = 65_535;
/// Arguments of a method or send.
const ARGS: i64 = 255;

/// The `i`th case of the stream: shapes in turn, sizes from the generator.
pub(super) fn generate(rng: &mut Prng, i: usize) -> Case {
    let mut r = rng.fork(i as u64);
    let shapes: [fn(&mut Prng, String) -> Case; 8] = [
        locals, arguments, fields, literals, nesting, inlining, hierarchy, perform,
    ];
    let shape = shapes[i % shapes.len()];
    shape(&mut r, format!("S{i}"))
}

/// A size: often one of `edges` (at and around a limit), otherwise in `lo..=hi`.
fn size(r: &mut Prng, edges: &[i64], lo: i64, hi: i64) -> i64 {
    if r.chance(60) {
        *r.pick(edges)
    } else {
        r.range(lo, hi)
    }
}

fn main_class(name: &str, superclass: Option<&str>, body: &str) -> String {
    match superclass {
        Some(s) => format!("{name} = {s} (\n{body}\n)\n"),
        None => format!("{name} = (\n{body}\n)\n"),
    }
}

fn case(name: String, files: Vec<(String, String)>, expect: Expect) -> Case {
    Case {
        name,
        files,
        expect,
    }
}

/// `n` temporaries in a method or a block; three of them assigned and summed.
fn locals(r: &mut Prng, name: String) -> Case {
    let n = size(
        r,
        &[0, 1, 2, 255, 256, WIDE - 2, WIDE - 1, WIDE, 70_000],
        0,
        3000,
    );
    let in_block = r.chance(30);
    let name = format!("{name}Locals{n}");
    let (body, out) = if n == 0 {
        ("'none' println".to_string(), "none\n".to_string())
    } else {
        let (last, mid) = (n - 1, r.range(0, n - 1));
        let mut vals = std::collections::HashMap::new();
        for (v, x) in [(0, 1), (last, 2), (mid, 4)] {
            vals.insert(v, x);
        }
        let sum = vals[&0] + vals[&last] + vals[&mid];
        let temps: Vec<String> = (0..n).map(|i| format!("a{i}")).collect();
        let stmts = format!("a0 := 1. a{last} := 2. a{mid} := 4. (a0 + a{last} + a{mid}) println");
        let body = if in_block {
            format!("[ | {} | {stmts} ] value", temps.join(" "))
        } else {
            format!("| {} | {stmts}", temps.join(" "))
        };
        (body, format!("{sum}\n"))
    };
    let src = main_class(&name, None, &format!("    run = ( {body} )"));
    let expect = if n < WIDE {
        Expect::Output(out)
    } else {
        Expect::LoadError(vec!["too many variables".into(), format!("limit {WIDE}")])
    };
    case(name.clone(), vec![(name, src)], expect)
}

/// A method of `n` arguments, sent directly and through `perform:withArguments:`.
fn arguments(r: &mut Prng, name: String) -> Case {
    let n = size(r, &[0, 1, 2, 3, ARGS - 1, ARGS, ARGS + 1, 300], 0, ARGS);
    let name = format!("{name}Args{n}");
    let selector: String = (0..n).map(|i| format!("k{i}:")).collect();
    let (def, call, out) = if n == 0 {
        (
            "k = ( ^ 0 )".to_string(),
            "self k".to_string(),
            "0\n6\n".to_string(),
        )
    } else {
        let def: Vec<String> = (0..n).map(|i| format!("k{i}: p{i}")).collect();
        let call: Vec<String> = (0..n).map(|i| format!("k{i}: {}", i + 1)).collect();
        let def = format!("{} = ( ^ p0 + p{} )", def.join(" "), n - 1);
        (
            def,
            format!("self {}", call.join(" ")),
            format!("{}\n6\n", 1 + n),
        )
    };
    let sel = if n == 0 { "k".to_string() } else { selector };
    let perform = if n == 0 {
        format!("(self perform: #{sel}) + 6")
    } else {
        format!("self perform: #{sel} withArguments: (Array new: {n} withAll: 3)")
    };
    let body = format!("    run = ( ({call}) println. ({perform}) println )\n    {def}");
    let src = main_class(&name, None, &body);
    let expect = if n <= ARGS {
        Expect::Output(out)
    } else {
        Expect::LoadError(vec!["too many arguments".into(), format!("limit {ARGS}")])
    };
    case(name.clone(), vec![(name, src)], expect)
}

/// `n` fields split between a superclass and the main class.
fn fields(r: &mut Prng, name: String) -> Case {
    let n = size(r, &[0, 1, 2, WIDE - 1, WIDE, WIDE + 1, 70_000], 0, 2000);
    let k = if r.chance(50) { r.range(0, n) } else { n / 2 };
    let name = format!("{name}Fields{n}");
    let base = format!("{name}Base");
    let names = |from: i64, to: i64| -> String {
        let v: Vec<String> = (from..to).map(|i| format!("f{i}")).collect();
        if v.is_empty() {
            String::new()
        } else {
            format!("    | {} |\n", v.join(" "))
        }
    };
    let base_first = if k > 0 {
        "    baseFirst = ( ^ f0 )"
    } else {
        "    baseFirst = ( ^ 5 )"
    };
    let base_src = main_class(&base, None, &format!("{}{base_first}", names(0, k)));
    let (stmts, out) = if n == 0 {
        (
            "5 println. self baseFirst println".to_string(),
            "5\n5\n".to_string(),
        )
    } else {
        let last = n - 1;
        let (sum, f0) = if last == 0 { (14, 7) } else { (12, 5) };
        let base_first = if k > 0 { f0 } else { 5 };
        (
            format!("f0 := 5. f{last} := 7. (f0 + f{last}) println. self baseFirst println"),
            format!("{sum}\n{base_first}\n"),
        )
    };
    let body = format!("{}    run = ( {stmts} )", names(k, n));
    let src = main_class(&name, Some(&base), &body);
    let expect = if n <= WIDE {
        Expect::Output(out)
    } else {
        Expect::LoadError(vec!["too many fields".into(), format!("limit {WIDE}")])
    };
    case(name.clone(), vec![(name, src), (base, base_src)], expect)
}

/// `n` distinct string literals in one method.
fn literals(r: &mut Prng, name: String) -> Case {
    let n = size(r, &[1, 2, WIDE - 1, WIDE, WIDE + 1, 66_000], 1, 3000);
    let name = format!("{name}Literals{n}");
    let stmts: Vec<String> = (0..n).map(|i| format!("t := 's{i}'.")).collect();
    let body = format!("    run = ( | t | {} t println )", stmts.join(" "));
    let src = main_class(&name, None, &body);
    let expect = if n <= WIDE {
        Expect::Output(format!("s{}\n", n - 1))
    } else {
        Expect::LoadError(vec!["too many literals".into(), format!("limit {WIDE}")])
    };
    case(name.clone(), vec![(name, src)], expect)
}

/// Real blocks nested `d` deep, the innermost reading a variable of every level.
fn nesting(r: &mut Prng, name: String) -> Case {
    let d = size(
        r,
        &[1, 2, 50, 120, 127, 128, 200, 254, 255, 256, 300],
        1,
        60,
    );
    let name = format!("{name}Nesting{d}");
    let reads: Vec<String> = (0..d).map(|k| format!("v{k}")).collect();
    let mut inner = format!("({} + x) println", reads.join(" + "));
    for k in (0..d).rev() {
        inner = format!("[ | v{k} | v{k} := {k}. {inner} ] value");
    }
    let body = format!("    run = ( | x | x := 100. {inner} )");
    let src = main_class(&name, None, &body);
    let out = format!("{}\n", d * (d - 1) / 2 + 100);
    case(name.clone(), vec![(name, src)], Expect::OutputOrLimit(out))
}

/// Inlinable constructs nested `d` deep, some with a receiver of a user class that
/// answers them as a Boolean would (so the fallback runs, at every depth).
fn inlining(r: &mut Prng, name: String) -> Case {
    let d = size(r, &[1, 11, 12, 13, 20, 64, 100, 127, 255], 1, 30) as usize;
    let name = format!("{name}Inline{d}");
    let mut inner = String::new();
    for k in (0..d).rev() {
        let body = format!("out := out + '{k} '. {inner}");
        let body = body.trim_end().to_string();
        let odd = r.chance(25);
        let recv = |real: &str| {
            if odd {
                "t".to_string()
            } else {
                real.to_string()
            }
        };
        inner = match r.range(0, 7) {
            0 => format!("{} ifTrue: [ {body} ]", recv("true")),
            1 => format!("{} ifFalse: [ {body} ]", recv("false")),
            2 => format!(
                "{} ifTrue: [ {body} ] ifFalse: [ 'X' println ]",
                recv("true")
            ),
            3 => format!("{} and: [ {body} true ]", recv("true")),
            4 => format!("{} or: [ {body} true ]", recv("false")),
            5 => format!("w := 0. [ w := w + 1. w = 1 ] whileTrue: [ {body} ]"),
            6 => format!("1 to: 1 do: [ :i{k} | {body} ]"),
            _ => format!("nil ifNil: [ {body} ] ifNotNil: [ :x{k} | 'X' println ]"),
        } + ".";
    }
    let truthy = format!("{name}Truthy");
    let truthy_src = main_class(
        &truthy,
        None,
        "    ifTrue: b = ( ^ b value )\n    ifFalse: b = ( ^ b value )\n    \
         ifTrue: a ifFalse: b = ( ^ a value )\n    and: b = ( ^ b value )\n    or: b = ( ^ b value )",
    );
    let body =
        format!("    run = ( | out t w | out := ''. t := {truthy} new. {inner} out println )");
    let src = main_class(&name, None, &body);
    let out: String = (0..d).map(|k| format!("{k} ")).collect::<String>() + "\n";
    case(
        name.clone(),
        vec![(name, src), (truthy, truthy_src)],
        Expect::OutputOrLimit(out),
    )
}

/// Superclass chains (long, cyclic through the main class or beside it, missing).
fn hierarchy(r: &mut Prng, name: String) -> Case {
    match r.range(0, 3) {
        0 | 1 => chain(r, name),
        2 => cycle(r, name),
        _ => {
            let name = format!("{name}Orphan");
            let src = main_class(
                &name,
                Some("NoSuchSuperclassAnywhere"),
                "    run = ( 1 println )",
            );
            case(
                name.clone(),
                vec![(name, src)],
                Expect::LoadError(vec!["not found".into()]),
            )
        }
    }
}

fn chain(r: &mut Prng, name: String) -> Case {
    let k = size(r, &[1, 2, 100, 255], 1, 40);
    let name = format!("{name}Chain{k}");
    let level = |j: i64| format!("{name}C{j}");
    let mut files = Vec::new();
    let main_body = format!(
        "    | g{k} |\n    run = ( self sum println. self depth println )\n    \
         sum = ( g{k} := {k}. ^ super sum + g{k} )\n    depth = ( ^ super depth + 1 )"
    );
    files.push((
        name.clone(),
        main_class(&name, Some(&level(k - 1)), &main_body),
    ));
    for j in 0..k {
        let body = if j == 0 {
            "    | g0 |\n    sum = ( g0 := 0. ^ 0 )\n    depth = ( ^ 1 )".to_string()
        } else {
            format!(
                "    | g{j} |\n    sum = ( g{j} := {j}. ^ super sum + g{j} )\n    \
                 depth = ( ^ super depth + 1 )"
            )
        };
        let sup = (j > 0).then(|| level(j - 1));
        files.push((level(j), main_class(&level(j), sup.as_deref(), &body)));
    }
    let out = format!("{}\n{}\n", k * (k + 1) / 2, k + 1);
    case(name, files, Expect::Output(out))
}

/// A superclass cycle of `len` classes, through the main class or reached from it.
fn cycle(r: &mut Prng, name: String) -> Case {
    let len = r.range(1, 4);
    let through_main = r.chance(50);
    let name = format!("{name}Cycle{len}");
    let members: Vec<String> = (0..len)
        .map(|j| {
            if j == 0 && through_main {
                name.clone()
            } else {
                format!("{name}M{j}")
            }
        })
        .collect();
    let mut files = Vec::new();
    if !through_main {
        let src = main_class(&name, Some(&members[0]), "    run = ( 1 println )");
        files.push((name.clone(), src));
    }
    for (j, m) in members.iter().enumerate() {
        let sup = &members[(j + 1) % members.len()];
        files.push((
            m.clone(),
            main_class(m, Some(sup), "    run = ( 1 println )"),
        ));
    }
    let mut want: Vec<String> = members.clone();
    want.push("cyclic superclass chain".into());
    case(name, files, Expect::LoadError(want))
}

/// `perform:` and friends with a selector of arity `a` and `b` arguments.
fn perform(r: &mut Prng, name: String) -> Case {
    let binary = r.chance(20);
    let a = if binary { 1 } else { r.range(0, 4) };
    let b = *r.pick(&[a, a, (a - 1).max(0), a + 1, 5]);
    let name = format!("{name}Perform{a}x{b}");
    let sel = if binary {
        "+".to_string()
    } else if a == 0 {
        "m0".to_string()
    } else {
        format!("m{a}:{}", "with:".repeat(a as usize - 1))
    };
    let recv = if binary { "3" } else { "self" };
    let value = if binary { 5 } else { 10 + 2 * a };
    let args = format!("(Array new: {b} withAll: 2)");
    let home = if binary {
        "Integer".to_string()
    } else {
        name.clone()
    };
    let unrelated = r.chance(30);
    let class = if unrelated {
        "String".to_string()
    } else {
        home.clone()
    };
    let form = r.range(0, 4);
    let call = match form {
        0 if b == 0 => format!("{recv} perform: #{sel}"),
        0 | 1 => format!("{recv} perform: #{sel} withArguments: {args}"),
        2 if b == 0 => format!("{recv} perform: #{sel} inSuperclass: {class}"),
        2 | 3 => format!("{recv} perform: #{sel} withArguments: {args} inSuperclass: {class}"),
        _ => {
            let on = if unrelated { "'x'" } else { recv };
            format!(
                "({home} methods detect: [ :m | m signature == #{sel} ]) invokeOn: {on} with: {args}"
            )
        }
    };
    let mut methods = vec!["    m0 = ( ^ 10 )".to_string()];
    for n in 1..=4 {
        let params: Vec<String> = (0..n)
            .map(|i| {
                if i == 0 {
                    format!("m{n}: p0")
                } else {
                    format!("with: p{i}")
                }
            })
            .collect();
        let sum: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
        methods.push(format!(
            "    {} = ( ^ 10 + {} )",
            params.join(" "),
            sum.join(" + ")
        ));
    }
    let body = format!("    run = ( ({call}) println )\n{}", methods.join("\n"));
    let src = main_class(&name, None, &body);
    let uses_class = form >= 2;
    let expect = if a != b {
        Expect::SomError("takes".into())
    } else if unrelated && form == 4 {
        Expect::SomError("cannot run on".into())
    } else if unrelated && uses_class {
        Expect::SomError("is not a kind of".into())
    } else {
        Expect::Output(format!("{value}\n"))
    };
    case(name.clone(), vec![(name, src)], expect)
}
