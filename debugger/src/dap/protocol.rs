//! The Debug Adapter Protocol's wire format: each message is a `Content-Length: N`
//! header block ended by an empty line, then N bytes of JSON. Reading answers a
//! request or says why a message is malformed (the session answers an error and goes
//! on: a header without a length, a body that is not JSON, not a request, no command);
//! writing numbers every response and event with the adapter's own `seq`, from 1.

use serde_json::{json, Map, Value};
use std::io::{self, BufRead, Read, Write};

/// Bodies larger than this are rejected (and skipped).
const MAX_BODY: usize = 64 << 20;

/// A request from the client.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub seq: i64,
    pub command: String,
    /// `null` when the request has none.
    pub arguments: Value,
}

/// A message that is not a usable request: why, and the request's `seq` and
/// `command` when they could be read (so the error answers it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub why: String,
    pub seq: i64,
    pub command: String,
}

fn malformed(why: impl Into<String>) -> Malformed {
    Malformed {
        why: why.into(),
        seq: 0,
        command: String::new(),
    }
}

/// Reads one message; `Ok(None)` at the end of the input.
pub fn read_message(input: &mut impl BufRead) -> io::Result<Option<Result<Request, Malformed>>> {
    let mut length: Option<Result<usize, String>> = None;
    let mut saw_header = false;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        match line.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                length = Some(
                    value
                        .trim()
                        .parse()
                        .map_err(|_| format!("bad Content-Length '{}'", value.trim())),
                );
            }
            Some(_) => {} // other headers (Content-Type) are allowed and ignored
            None => return Ok(Some(Err(malformed(format!("bad header line '{line}'"))))),
        }
    }
    let n = match length {
        None => {
            return Ok(Some(Err(malformed(
                "a header block without Content-Length",
            ))))
        }
        Some(Err(why)) => return Ok(Some(Err(malformed(why)))),
        Some(Ok(n)) if n > MAX_BODY => {
            io::copy(&mut Read::take(&mut *input, n as u64), &mut io::sink())?;
            return Ok(Some(Err(malformed(format!(
                "a body of {n} bytes (the limit is {MAX_BODY})"
            )))));
        }
        Some(Ok(n)) => n,
    };
    let mut body = vec![0; n];
    match input.read_exact(&mut body) {
        Ok(()) => Ok(Some(parse_request(&body))),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e),
    }
}

/// A request from a message body.
pub fn parse_request(body: &[u8]) -> Result<Request, Malformed> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        malformed(format!(
            "the body is not JSON: {e} (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(map) = value else {
        return Err(malformed("the body is not a JSON object"));
    };
    let seq = map.get("seq").and_then(Value::as_i64);
    let command = map
        .get("command")
        .and_then(Value::as_str)
        .map(str::to_string);
    let with_ids = |why: String| Malformed {
        why,
        seq: seq.unwrap_or(0),
        command: command.clone().unwrap_or_default(),
    };
    match map.get("type").and_then(Value::as_str) {
        Some("request") => {}
        Some(other) => {
            return Err(with_ids(format!(
                "a '{other}' message (expected a request)"
            )))
        }
        None => return Err(with_ids("a message without 'type'".into())),
    }
    let Some(seq) = seq.filter(|&s| s > 0) else {
        return Err(with_ids(
            "the field 'seq' must be a positive integer".into(),
        ));
    };
    let Some(command) = command.clone().filter(|c| !c.is_empty()) else {
        return Err(with_ids(
            "the field 'command' must be a non-empty string".into(),
        ));
    };
    Ok(Request {
        seq,
        command,
        arguments: map.get("arguments").cloned().unwrap_or(Value::Null),
    })
}

/// Writes responses and events, numbering them.
pub struct Writer<W: Write> {
    out: W,
    seq: i64,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> Writer<W> {
        Writer { out, seq: 0 }
    }

    fn send(&mut self, mut message: Map<String, Value>) -> io::Result<()> {
        self.seq += 1;
        message.insert("seq".into(), json!(self.seq));
        let body = serde_json::to_vec(&Value::Object(message))?;
        write!(self.out, "Content-Length: {}\r\n\r\n", body.len())?;
        self.out.write_all(&body)?;
        self.out.flush()
    }

    /// A successful response with `body`.
    pub fn respond(&mut self, request_seq: i64, command: &str, body: Value) -> io::Result<()> {
        let mut m = Map::new();
        m.insert("type".into(), json!("response"));
        m.insert("request_seq".into(), json!(request_seq));
        m.insert("success".into(), json!(true));
        m.insert("command".into(), json!(command));
        if !body.is_null() {
            m.insert("body".into(), body);
        }
        self.send(m)
    }

    /// An error response: `message` and the same text as a structured error.
    pub fn fail(&mut self, request_seq: i64, command: &str, message: &str) -> io::Result<()> {
        let mut m = Map::new();
        m.insert("type".into(), json!("response"));
        m.insert("request_seq".into(), json!(request_seq));
        m.insert("success".into(), json!(false));
        m.insert("command".into(), json!(command));
        m.insert("message".into(), json!(message));
        m.insert(
            "body".into(),
            json!({"error": {"id": 1, "format": message, "showUser": true}}),
        );
        self.send(m)
    }

    pub fn event(&mut self, event: &str, body: Value) -> io::Result<()> {
        let mut m = Map::new();
        m.insert("type".into(), json!("event"));
        m.insert("event".into(), json!(event));
        if !body.is_null() {
            m.insert("body".into(), body);
        }
        self.send(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn reads_framed_requests_back_to_back_and_stops_at_the_end() {
        let text = framed(r#"{"seq":1,"type":"request","command":"initialize"}"#)
            + &framed(r#"{"seq":2,"type":"request","command":"threads","arguments":{}}"#);
        let mut input = text.as_bytes();
        let a = read_message(&mut input).unwrap().unwrap().unwrap();
        assert_eq!((a.seq, a.command.as_str()), (1, "initialize"));
        assert_eq!(a.arguments, Value::Null);
        let b = read_message(&mut input).unwrap().unwrap().unwrap();
        assert_eq!((b.seq, b.arguments.clone()), (2, json!({})));
        assert!(read_message(&mut input).unwrap().is_none());
    }

    #[test]
    fn malformed_messages_say_why_and_keep_the_stream_in_step() {
        let text = "Content-Type: x\r\n\r\n".to_string()
            + "Content-Length: zz\r\n\r\n"
            + &framed("{not json")
            + &framed(r#"{"seq":4,"type":"event","command":"x"}"#)
            + &framed(r#"{"seq":5,"type":"request"}"#)
            + &framed(r#"{"seq":6,"type":"request","command":"threads"}"#);
        let mut input = text.as_bytes();
        let mut whys = Vec::new();
        while let Some(m) = read_message(&mut input).unwrap() {
            match m {
                Err(e) => whys.push((e.why, e.seq)),
                Ok(r) => whys.push((format!("ok {}", r.command), r.seq)),
            }
        }
        assert!(whys[0].0.contains("without Content-Length"), "{whys:?}");
        assert!(whys[1].0.contains("bad Content-Length 'zz'"), "{whys:?}");
        assert!(whys[2].0.contains("not JSON"), "{whys:?}");
        assert_eq!(whys[3].1, 4);
        assert!(whys[4].0.contains("'command'"), "{whys:?}");
        assert_eq!(whys[5], ("ok threads".into(), 6));
    }

    #[test]
    fn a_truncated_body_is_the_end_of_the_input() {
        let mut input = "Content-Length: 50\r\n\r\n{\"seq\":1".as_bytes();
        assert!(read_message(&mut input).unwrap().is_none());
    }

    #[test]
    fn responses_and_events_are_numbered_from_one() {
        let mut w = Writer::new(Vec::new());
        w.respond(7, "threads", json!({"threads": []})).unwrap();
        w.event("initialized", Value::Null).unwrap();
        w.fail(8, "setVariable", "no").unwrap();
        let out = String::from_utf8(w.out).unwrap();
        let mut input = out.as_bytes();
        let mut seqs = Vec::new();
        loop {
            let mut header = String::new();
            if input.read_line(&mut header).unwrap() == 0 {
                break;
            }
            let n: usize = header["Content-Length: ".len()..].trim().parse().unwrap();
            input.read_line(&mut String::new()).unwrap();
            let (body, rest) = input.split_at(n);
            input = rest;
            let v: Value = serde_json::from_slice(body).unwrap();
            seqs.push((v["seq"].as_i64().unwrap(), v["type"].clone()));
        }
        assert_eq!(
            seqs,
            vec![
                (1, json!("response")),
                (2, json!("event")),
                (3, json!("response"))
            ]
        );
    }
}
