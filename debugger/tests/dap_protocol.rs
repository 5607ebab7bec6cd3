//! `som-dbg dap`'s protocol layer through the real binary: Content-Length framing in
//! both directions, the adapter's sequence numbers (1, 2, 3, ... over responses and
//! events), one response per request with its `request_seq`, error responses for
//! malformed messages and for requests that are bad or cannot be served in a replay,
//! and the adapter going on after each of them (it ends at the end of its input).

use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn request(seq: i64, command: &str, arguments: Value) -> Vec<u8> {
    frame(
        &json!({"seq": seq, "type": "request", "command": command, "arguments": arguments})
            .to_string(),
    )
}

/// Runs the adapter on `input` and answers the messages it wrote.
fn session(input: Vec<u8>) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_som-dbg"))
        .arg("dap")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run som-dbg dap");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "the adapter exits cleanly at the end of its input: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_frames(&out.stdout)
}

/// Splits the adapter's output into messages, checking the framing.
fn parse_frames(mut bytes: &[u8]) -> Vec<Value> {
    let mut messages = Vec::new();
    while !bytes.is_empty() {
        let end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header block ends with an empty line");
        let header = std::str::from_utf8(&bytes[..end]).unwrap();
        let n: usize = header
            .strip_prefix("Content-Length: ")
            .expect("the header is Content-Length")
            .parse()
            .unwrap();
        let body = &bytes[end + 4..end + 4 + n];
        messages.push(serde_json::from_slice(body).expect("each body is JSON"));
        bytes = &bytes[end + 4 + n..];
    }
    messages
}

fn responses(messages: &[Value]) -> Vec<&Value> {
    messages
        .iter()
        .filter(|m| m["type"] == "response")
        .collect()
}

#[test]
fn sequence_numbers_count_every_message_and_each_request_gets_one_response() {
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/Counter.som");
    let mut input = request(1, "initialize", json!({"adapterID": "som"}));
    input.extend(request(
        2,
        "launch",
        json!({"program": program, "stopOnEntry": true}),
    ));
    input.extend(request(3, "configurationDone", json!({})));
    input.extend(request(4, "stackTrace", json!({"threadId": 1})));
    input.extend(request(5, "next", json!({"threadId": 1})));
    input.extend(request(6, "stepBack", json!({"threadId": 1})));
    input.extend(request(7, "threads", Value::Null));
    let messages = session(input);
    let seqs: Vec<i64> = messages
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "{messages:#?}"
    );
    let answered: Vec<(i64, &str, bool)> = responses(&messages)
        .iter()
        .map(|r| {
            (
                r["request_seq"].as_i64().unwrap(),
                r["command"].as_str().unwrap(),
                r["success"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        answered,
        vec![
            (1, "initialize", true),
            (2, "launch", true),
            (3, "configurationDone", true),
            (4, "stackTrace", true),
            (5, "next", true),
            (6, "stepBack", true),
            (7, "threads", true),
        ]
    );
    let events: Vec<&str> = messages
        .iter()
        .filter(|m| m["type"] == "event")
        .map(|m| m["event"].as_str().unwrap())
        .collect();
    assert_eq!(events[0], "initialized");
    assert_eq!(events.iter().filter(|e| **e == "stopped").count(), 3);
    let init = &responses(&messages)[0]["body"];
    assert_eq!(init["supportsStepBack"], true);
    assert_eq!(init["supportsDataBreakpoints"], true);
    assert_eq!(init["supportsLogPoints"], true);
}

#[test]
fn malformed_and_bad_requests_get_error_responses_and_the_adapter_goes_on() {
    let mut input = request(1, "initialize", json!({}));
    input.extend(b"Content-Type: application/json\r\n\r\n"); // no length
    input.extend(b"Content-Length: twelve\r\n\r\n");
    input.extend(frame("{\"seq\": 2, \"type\": \"request\", \"command\""));
    input.extend(frame("[1, 2, 3]"));
    input.extend(frame(r#"{"seq": 3, "type": "event", "event": "x"}"#));
    input.extend(frame(r#"{"seq": 4, "type": "request"}"#));
    input.extend(request(5, "stackTrace", json!({"threadId": 1})));
    input.extend(request(6, "launch", json!({"program": 42})));
    input.extend(request(7, "launch", json!({})));
    input.extend(request(
        8,
        "setVariable",
        json!({"variablesReference": 1, "name": "x", "value": "1"}),
    ));
    input.extend(request(9, "pause", json!({"threadId": 1})));
    input.extend(request(10, "attach", json!({})));
    input.extend(request(11, "flyToTheMoon", json!({})));
    input.extend(request(12, "variables", json!({"variablesReference": 99})));
    input.extend(request(13, "threads", json!({})));
    let messages = session(input);
    let failures: Vec<(i64, String)> = responses(&messages)
        .iter()
        .filter(|r| r["success"] == false)
        .map(|r| {
            (
                r["request_seq"].as_i64().unwrap(),
                r["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = [
        (0, "without Content-Length"),
        (0, "bad Content-Length 'twelve'"),
        (0, "not JSON"),
        (0, "not a JSON object"),
        (3, "expected a request"),
        (4, "'command'"),
        (5, "no program is launched yet"),
        (6, "bad arguments to 'launch'"),
        (7, "needs 'program'"),
        (8, "cannot set a variable in a replay"),
        (9, "nothing to pause"),
        (10, "use 'launch'"),
        (11, "unknown request 'flyToTheMoon'"),
        (12, "no variables with reference 99"),
    ];
    assert_eq!(failures.len(), expect.len(), "{failures:#?}");
    for ((seq, message), (want_seq, want)) in failures.iter().zip(expect) {
        assert_eq!(*seq, want_seq, "{message}");
        assert!(message.contains(want), "'{message}' should say '{want}'");
    }
    let last = responses(&messages).last().copied().unwrap();
    assert_eq!(
        (last["command"].clone(), last["success"].clone()),
        (json!("threads"), json!(true))
    );
}

#[test]
fn a_launch_of_an_existing_recording_debugs_it() {
    let dir = std::env::temp_dir().join(format!("som-dbg-dap-proto-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("counter.somtrace");
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/Counter.som");
    let status = Command::new(env!("CARGO_BIN_EXE_som-dbg"))
        .args(["record", "-o"])
        .arg(&trace)
        .arg(&program)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let mut input = request(1, "initialize", json!({}));
    input.extend(request(2, "launch", json!({"trace": trace})));
    input.extend(request(
        3,
        "setFunctionBreakpoints",
        json!({"breakpoints": [{"name": "Counter>>total"}, {"name": "total"}]}),
    ));
    input.extend(request(4, "configurationDone", json!({})));
    input.extend(request(5, "stackTrace", json!({"threadId": 1})));
    let messages = session(input);
    let bps = &responses(&messages)[2]["body"]["breakpoints"];
    assert_eq!(bps[0]["verified"], true);
    assert_eq!(bps[1]["verified"], false, "{bps}");
    let stopped = messages.iter().find(|m| m["event"] == "stopped").unwrap();
    assert_eq!(stopped["body"]["reason"], "function breakpoint");
    let stack = &responses(&messages)[4]["body"]["stackFrames"];
    assert_eq!(stack[0]["name"], "Counter>>total");
    let stdout: String = messages
        .iter()
        .filter(|m| m["event"] == "output" && m["body"]["category"] == "stdout")
        .map(|m| m["body"]["output"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(stdout, "15\n", "output up to the stop, once");
}
