//! `leitmotif serve` end to end: the real binary on an ephemeral port, a real HTTP client
//! (ureq), and raw TCP for the slow, disconnecting and oversized clients.
#![cfg(all(feature = "serve", feature = "cli"))]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::repo;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_leitmotif");

/// A running `leitmotif serve` with its own spool directory; killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    spool: tempfile::TempDir,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let spool = tempfile::tempdir().unwrap();
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--spool-dir"])
            .arg(spool.path())
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("leitmotif serve: listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .unwrap();
        Server { child, addr, spool }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Names in the spool directory: always none, since spooled bodies are unnamed files.
    fn spool_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.spool.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect()
    }

    /// Files in the spool directory that the server holds open (Linux: /proc/PID/fd).
    #[cfg(target_os = "linux")]
    fn open_spool_files(&self) -> usize {
        let dir = self.spool.path().canonicalize().unwrap();
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .unwrap()
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter(|t| t.starts_with(&dir))
            .count()
    }

    /// Polls until `cond` holds (or panics after `secs`).
    fn wait_for(&self, secs: f64, what: &str, mut cond: impl FnMut() -> bool) {
        let t = Instant::now();
        while !cond() {
            assert!(
                t.elapsed().as_secs_f64() < secs,
                "timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn terminate(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

struct Reply {
    status: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(&self.body));
        })
    }

    /// Checks an RFC 9457 problem with `status` and `kind`.
    fn assert_problem(&self, status: u16, kind: &str) {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.headers.get("content-type").map(String::as_str),
            Some("application/problem+json")
        );
        let p = self.json();
        assert_eq!(p["status"], status);
        assert_eq!(p["kind"], kind, "{p}");
        assert!(p["type"].is_string() && p["title"].is_string() && p["detail"].is_string());
    }
}

fn to_reply(mut r: ureq::http::Response<ureq::Body>) -> Reply {
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap();
    Reply {
        status: r.status().as_u16(),
        headers,
        body,
    }
}

fn post(url: &str, body: &[u8]) -> Reply {
    to_reply(agent().post(url).send(body).unwrap())
}

fn get(url: &str) -> Reply {
    to_reply(agent().get(url).call().unwrap())
}

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo("tests/fixtures/formats"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "json"))
        .collect();
    v.sort();
    v
}

/// Records of `leitmotif extract` over `paths`, by path, without the file stamp.
fn extract(paths: &[PathBuf], extra: &[&str]) -> HashMap<String, Value> {
    let out = Command::new(BIN)
        .arg("extract")
        .arg("-q")
        .args(extra)
        .args(paths)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            // The file stamp describes a file on disk; an upload has none.
            let o = v.as_object_mut().unwrap();
            o.remove("file_size");
            o.remove("file_mtime");
            (v["path"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

/// Sends raw bytes, then reads the whole answer until the server closes or `timeout`.
fn raw_exchange(addr: SocketAddr, bytes: &[u8], timeout: Duration) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(timeout)).unwrap();
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Opens an upload of `total` bytes and sends only `head` of them.
fn partial_upload(addr: SocketAddr, query: &str, total: usize, head: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /v1/analyze{query} HTTP/1.1\r\nHost: test\r\nContent-Length: {total}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    s.write_all(head).unwrap();
    s.flush().unwrap();
    s
}

fn read_http_status(s: &mut TcpStream) -> (u16, String) {
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[test]
fn every_format_fixture_gives_the_extract_record() {
    let files = fixtures();
    assert!(files.len() >= 40);
    let expected = extract(&files, &[]);
    // Bodies in memory, then every body through the spool file.
    for memory_body in ["8", "0.001"] {
        let server = Server::start(&["--jobs", "2", "--memory-body", memory_body]);
        for f in &files {
            let label = f.to_string_lossy().into_owned();
            let r = post(
                &server.url(&format!("/v1/analyze?name={}", enc(&label))),
                &std::fs::read(f).unwrap(),
            );
            let want = &expected[&label];
            if want.get("error").is_some() {
                panic!("{label}: extract failed on a format fixture: {want}");
            }
            assert_eq!(
                r.status,
                200,
                "{label}: {}",
                String::from_utf8_lossy(&r.body)
            );
            assert_eq!(
                r.headers.get("content-type").map(String::as_str),
                Some("application/json")
            );
            assert!(r.json() == *want, "{label}: record differs from extract's");
        }
        assert!(server.spool_files().is_empty(), "spool files left behind");
    }
}

#[test]
fn frames_come_back_as_the_npz_extract_writes() {
    let f = repo("tests/fixtures/formats/flac_s16_stereo_44k.flac");
    let dir = tempfile::tempdir().unwrap();
    let frames_dir = dir.path().join("frames");
    let recs = extract(
        std::slice::from_ref(&f),
        &["--frames", frames_dir.to_str().unwrap()],
    );
    assert_eq!(recs.len(), 1);
    // extract mirrors the input tree under the frames directory: find the one archive.
    fn npz_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                npz_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "npz") {
                out.push(p);
            }
        }
    }
    let mut npz = Vec::new();
    npz_files(&frames_dir, &mut npz);
    assert_eq!(npz.len(), 1);
    let want = std::fs::read(&npz[0]).unwrap();
    let server = Server::start(&["--jobs", "1"]);
    let r = post(
        &server.url("/v1/analyze?frames=1&name=x.flac"),
        &std::fs::read(&f).unwrap(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers.get("content-type").map(String::as_str),
        Some("application/octet-stream")
    );
    assert!(r.body.starts_with(b"PK\x03\x04"), "not a zip archive");
    assert_eq!(r.body.len(), want.len());
    assert!(r.body == want, "NPZ differs from extract --frames");
}

#[test]
fn each_error_status_is_a_problem_with_the_record_kind() {
    let server = Server::start(&["--jobs", "1", "--max-body", "0.2"]);
    let wav = std::fs::read(repo("tests/fixtures/formats/wav_pcm_s16_mono_8k.wav")).unwrap();
    // 400: bad parameters.
    post(&server.url("/v1/analyze?frames=maybe"), &wav).assert_problem(400, "bad_request");
    post(&server.url("/v1/analyze?bogus=1"), &wav).assert_problem(400, "bad_request");
    post(&server.url("/v1/analyze?name="), &wav).assert_problem(400, "bad_request");
    post(&server.url("/v1/similar?k=0"), &wav).assert_problem(400, "bad_request");
    // 415: not audio (an image), the record's kind.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.resize(3000, 7);
    post(&server.url("/v1/analyze?name=cover.png"), &png).assert_problem(415, "unsupported_format");
    post(&server.url("/v1/analyze"), b"").assert_problem(415, "unsupported_format");
    // 422: a WAV whose header declares a 1 Hz sample rate.
    let mut one_hz = wav[..44].to_vec();
    one_hz[24..28].copy_from_slice(&1u32.to_le_bytes());
    one_hz[28..32].copy_from_slice(&2u32.to_le_bytes());
    one_hz.extend_from_slice(&wav[44..]);
    post(&server.url("/v1/analyze?name=one_hz.wav"), &one_hz).assert_problem(422, "invalid_stream");
    // 413, announced by Content-Length: answered before any body byte is sent.
    let reply = raw_exchange(
        server.addr,
        b"POST /v1/analyze HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n",
        Duration::from_secs(10),
    );
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("\"kind\":\"body_too_large\""), "{reply}");
    // 413, streamed (chunked, no length): cut off once the limit is passed.
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.write_all(b"POST /v1/analyze HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    let chunk = [0u8; 16384];
    for _ in 0..13 {
        // 13 × 16 kB > 0.2 MB
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .is_err()
            || s.write_all(&chunk).is_err()
            || s.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let (status, text) = read_http_status(&mut s);
    assert_eq!(status, 413, "{text}");
    // 404 and 405 are problems too.
    get(&server.url("/nowhere")).assert_problem(404, "not_found");
    get(&server.url("/v1/analyze")).assert_problem(405, "method_not_allowed");
    post(&server.url("/v1/similar"), &wav).assert_problem(404, "no_index");
    // 504: a time limit no analysis can meet.
    let slow = Server::start(&["--jobs", "1", "--timeout", "0.000001"]);
    post(&slow.url("/v1/analyze?name=a.wav"), &wav).assert_problem(504, "timeout");
    // The server is still healthy and left no spool file behind.
    assert_eq!(get(&server.url("/healthz")).status, 200);
    assert!(server.spool_files().is_empty());
    assert!(slow.spool_files().is_empty());
}

#[test]
fn the_name_is_a_label_never_a_path() {
    let server = Server::start(&["--jobs", "1"]);
    // Random bytes labelled with a real audio file's path: the service must analyse the
    // bytes, not open the path.
    let real = repo("tests/fixtures/formats/wav_pcm_s16_stereo_44k.wav");
    let label = real.to_string_lossy().into_owned();
    let r = post(
        &server.url(&format!("/v1/analyze?name={}", enc(&label))),
        &[0x55u8; 5000],
    );
    r.assert_problem(415, "unsupported_format");
    assert!(r.json()["detail"].as_str().unwrap().contains(&label));
    // A traversal label is only a label.
    let wav = std::fs::read(&real).unwrap();
    let evil = "../../../../tmp/leitmotif-serve-evil.wav";
    let r = post(
        &server.url(&format!("/v1/analyze?name={}", enc(evil))),
        &wav,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["path"], evil);
    assert!(!Path::new("/tmp/leitmotif-serve-evil.wav").exists());
    assert!(server.spool_files().is_empty());
}

#[test]
fn overload_gives_503_and_a_disconnect_frees_the_slot() {
    // One worker, no queue: one admitted request at a time.
    let server = Server::start(&["--jobs", "1", "--queue", "0", "--memory-body", "0.001"]);
    let wav = std::fs::read(repo("tests/fixtures/formats/wav_pcm_s16_mono_8k.wav")).unwrap();
    assert_eq!(get(&server.url("/readyz")).status, 200);
    // A client starts an upload and stalls halfway: it holds the only slot.
    let stalled = partial_upload(server.addr, "?name=a.wav", wav.len(), &wav[..wav.len() / 2]);
    server.wait_for(5.0, "the stalled upload to be admitted", || {
        get(&server.url("/readyz")).status == 503
    });
    let r = post(&server.url("/v1/analyze?name=b.wav"), &wav);
    r.assert_problem(503, "overloaded");
    let retry: u64 = r.headers["retry-after"].parse().unwrap();
    assert!(retry >= 1);
    #[cfg(target_os = "linux")]
    assert_eq!(
        server.open_spool_files(),
        1,
        "the stalled upload is spooled"
    );
    assert!(server.spool_files().is_empty(), "spool files have no name");
    // The stalled client disconnects: its slot and its spool file are freed.
    drop(stalled);
    server.wait_for(5.0, "the slot to be freed", || {
        get(&server.url("/readyz")).status == 200
    });
    let r = post(&server.url("/v1/analyze?name=b.wav"), &wav);
    assert_eq!(r.status, 200);
    #[cfg(target_os = "linux")]
    assert_eq!(server.open_spool_files(), 0);
    let m = String::from_utf8(get(&server.url("/metrics")).body).unwrap();
    assert!(m.contains("leitmotif_admitted 0\n"), "{m}");
    assert!(m.contains("leitmotif_http_requests_total{route=\"/v1/analyze\",status=\"503\"} 1\n"));
}

#[test]
fn slow_clients_are_cut_off() {
    let server = Server::start(&["--jobs", "1", "--client-timeout", "1"]);
    // Headers never finished (slowloris): the connection is closed after about 1 s.
    let t = Instant::now();
    let reply = raw_exchange(
        server.addr,
        b"POST /v1/analyze HTTP/1.1\r\nHost: t\r\nX-Slow: ",
        Duration::from_secs(10),
    );
    let secs = t.elapsed().as_secs_f64();
    assert!((0.9..5.0).contains(&secs), "closed after {secs} s: {reply}");
    // A body that stops flowing gets 408 after about 1 s.
    let t = Instant::now();
    let mut s = partial_upload(server.addr, "", 1000, &[0u8; 10]);
    let (status, text) = read_http_status(&mut s);
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(status, 408, "{text}");
    assert!((0.9..5.0).contains(&secs), "408 after {secs} s");
    // Oversized headers are refused with 431.
    let mut big = b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: ".to_vec();
    big.resize(big.len() + 100_000, b'a');
    big.extend_from_slice(b"\r\n\r\n");
    let reply = raw_exchange(server.addr, &big, Duration::from_secs(10));
    assert!(reply.starts_with("HTTP/1.1 431"), "{reply:.200}");
    // The service is unharmed.
    assert_eq!(get(&server.url("/healthz")).status, 200);
    assert!(server.spool_files().is_empty());
}

#[cfg(unix)]
#[test]
fn sigterm_finishes_in_flight_requests_and_exits_0() {
    let mut server = Server::start(&["--jobs", "1", "--queue", "2"]);
    let files = [
        repo("tests/fixtures/formats/flac_s16_stereo_44k.flac"),
        repo("tests/fixtures/formats/mp3_cbr128_stereo_44k.mp3"),
    ];
    let expected = extract(&files, &[]);
    let bodies: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    // Two uploads in flight, each half sent.
    let mut conns: Vec<TcpStream> = files
        .iter()
        .zip(&bodies)
        .map(|(f, b)| {
            let q = format!("?name={}", enc(&f.to_string_lossy()));
            partial_upload(server.addr, &q, b.len(), &b[..b.len() / 2])
        })
        .collect();
    server.wait_for(5.0, "both uploads to be admitted", || {
        String::from_utf8(get(&server.url("/metrics")).body)
            .unwrap()
            .contains("leitmotif_admitted 2\n")
    });
    server.terminate();
    // New connections are refused once the listener is closed.
    server.wait_for(5.0, "the listener to close", || {
        TcpStream::connect(server.addr).is_err()
    });
    // The in-flight uploads finish and get their records.
    for ((s, b), f) in conns.iter_mut().zip(&bodies).zip(&files) {
        s.write_all(&b[b.len() / 2..]).unwrap();
        let (status, text) = read_http_status(s);
        assert_eq!(status, 200, "{text}");
        let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(&v, &expected[&*f.to_string_lossy()]);
    }
    let t = Instant::now();
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    assert!(server.spool_files().is_empty());
}

/// A parsed sample: metric name, labels, value.
type Sample = (String, Vec<(String, String)>, f64);

/// One sample line of the Prometheus text format: `name{l="v",...} value`.
fn parse_sample(line: &str) -> Option<Sample> {
    let name_end = line.find(['{', ' '])?;
    let name = &line[..name_end];
    let name_ok = !name.is_empty()
        && name.chars().enumerate().all(|(i, c)| {
            c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
        });
    if !name_ok {
        return None;
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(r) = rest.strip_prefix('{') {
        rest = r;
        loop {
            if let Some(r) = rest.strip_prefix('}') {
                rest = r;
                break;
            }
            let eq = rest.find('=')?;
            let key = rest[..eq].to_string();
            rest = rest[eq + 1..].strip_prefix('"')?;
            let mut value = String::new();
            let mut chars = rest.char_indices();
            let end = loop {
                let (i, c) = chars.next()?;
                match c {
                    '\\' => value.push(chars.next()?.1),
                    '"' => break i,
                    c => value.push(c),
                }
            };
            labels.push((key, value));
            rest = &rest[end + 1..];
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
    }
    let value: f64 = match rest.strip_prefix(' ')?.trim() {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    Some((name.to_string(), labels, value))
}

#[test]
fn metrics_parse_as_prometheus_text_and_count_what_happened() {
    let server = Server::start(&["--jobs", "1"]);
    let files = [
        repo("tests/fixtures/formats/wav_pcm_s16_mono_8k.wav"),
        repo("tests/fixtures/formats/opus_stereo_48k.opus"),
        repo("tests/fixtures/formats/vorbis_q4_stereo_44k.ogg"),
    ];
    let mut bytes_sent = 0u64;
    let mut audio_s = 0.0;
    for f in &files {
        let b = std::fs::read(f).unwrap();
        bytes_sent += b.len() as u64;
        let r = post(&server.url("/v1/analyze"), &b);
        assert_eq!(r.status, 200);
        audio_s += r.json()["duration_s"].as_f64().unwrap();
    }
    bytes_sent += 10;
    post(&server.url("/v1/analyze"), b"not audio!").assert_problem(415, "unsupported_format");
    let r = get(&server.url("/metrics"));
    assert_eq!(r.status, 200);
    assert!(r.headers["content-type"].starts_with("text/plain; version=0.0.4"));
    let text = String::from_utf8(r.body).unwrap();
    let mut types: HashMap<String, String> = HashMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            assert!(
                types.insert(name.into(), kind.into()).is_none(),
                "TYPE twice: {line}"
            );
        } else if line.starts_with("# HELP ") {
        } else {
            let s = parse_sample(line).unwrap_or_else(|| panic!("not a sample: {line:?}"));
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suf| {
                    s.0.strip_suffix(suf)
                        .filter(|f| types.get(*f).is_some_and(|k| k == "histogram"))
                })
                .unwrap_or(&s.0)
                .to_string();
            assert!(
                types.contains_key(&family),
                "sample before its TYPE: {line}"
            );
            samples.push(s);
        }
    }
    let value = |name: &str, labels: &[(&str, &str)]| -> f64 {
        samples
            .iter()
            .find(|(n, l, _)| {
                n == name
                    && l.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(k, v)| l.iter().any(|(a, b)| a == k && b == v))
            })
            .unwrap_or_else(|| panic!("no {name} {labels:?}"))
            .2
    };
    let ok = [("route", "/v1/analyze"), ("status", "200")];
    assert_eq!(value("leitmotif_http_requests_total", &ok), 3.0);
    let bad = [("route", "/v1/analyze"), ("status", "415")];
    assert_eq!(value("leitmotif_http_requests_total", &bad), 1.0);
    assert_eq!(
        value("leitmotif_http_received_bytes_total", &[]),
        bytes_sent as f64
    );
    assert!((value("leitmotif_audio_seconds_total", &[]) - audio_s).abs() < 1e-5);
    assert_eq!(value("leitmotif_tracks_total", &[("outcome", "ok")]), 3.0);
    assert_eq!(value("leitmotif_workers", &[]), 1.0);
    assert_eq!(value("leitmotif_in_flight", &[]), 0.0);
    assert_eq!(value("leitmotif_queue_depth", &[]), 0.0);
    // The latency histogram: cumulative buckets, +Inf equal to the count.
    let route = [("route", "/v1/analyze")];
    let mut buckets: Vec<(f64, f64)> = samples
        .iter()
        .filter(|(n, l, _)| {
            n == "leitmotif_http_request_duration_seconds_bucket"
                && l.iter().any(|(k, v)| k == "route" && v == "/v1/analyze")
        })
        .map(|(_, l, v)| {
            let le = &l.iter().find(|(k, _)| k == "le").unwrap().1;
            (
                if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().unwrap()
                },
                *v,
            )
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1));
    let count = value("leitmotif_http_request_duration_seconds_count", &route);
    assert_eq!(count, 4.0);
    assert_eq!(buckets.last().unwrap(), &(f64::INFINITY, count));
}

#[test]
fn similar_answers_as_the_cli_does() {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("toy.idx");
    let indexed: Vec<PathBuf> = fixtures()
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("stereo_44k"))
        .collect();
    assert!(indexed.len() >= 8);
    let st = Command::new(BIN)
        .args(["index", "build", "-o"])
        .arg(&idx)
        .args(&indexed)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    // The query: a file that is not in the index under its own path (a copy).
    let query = dir.path().join("query.mp3");
    std::fs::copy(repo("tests/fixtures/formats/mp3_vbr_mono_22k.mp3"), &query).unwrap();
    let cli = Command::new(BIN)
        .args(["similar", "--json", "-k", "3", "--index"])
        .arg(&idx)
        .arg(&query)
        .output()
        .unwrap();
    assert!(cli.status.success());
    let want: Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(want["neighbors"].as_array().unwrap().len(), 3);
    let server = Server::start(&["--jobs", "1", "--index", idx.to_str().unwrap()]);
    let label = query.to_string_lossy().into_owned();
    let r = post(
        &server.url(&format!("/v1/similar?k=3&name={}", enc(&label))),
        &std::fs::read(&query).unwrap(),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json(), want);
    // The same answer for the query's posted feature vector.
    let rec = post(
        &server.url("/v1/analyze?name=q.mp3"),
        &std::fs::read(&query).unwrap(),
    )
    .json();
    let r = to_reply(
        agent()
            .post(&server.url(&format!("/v1/similar?k=3&name={}", enc(&label))))
            .header("Content-Type", "application/json")
            .send(rec["vector"].to_string().as_bytes())
            .unwrap(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), want);
    // A vector of another schema version is refused.
    let mut wrong = rec["vector"].clone();
    wrong["version"] = Value::from(9999);
    let r = to_reply(
        agent()
            .post(&server.url("/v1/similar"))
            .header("Content-Type", "application/json")
            .send(wrong.to_string().as_bytes())
            .unwrap(),
    );
    r.assert_problem(422, "schema");
}

#[test]
fn health_readiness_and_openapi() {
    let server = Server::start(&["--jobs", "1"]);
    assert_eq!(get(&server.url("/healthz")).json()["status"], "ok");
    assert_eq!(get(&server.url("/readyz")).json()["status"], "ready");
    let doc = get(&server.url("/openapi.json")).json();
    assert_eq!(doc["openapi"], "3.0.3");
    for p in [
        "/v1/analyze",
        "/v1/similar",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} undocumented");
    }
    for code in ["400", "413", "415", "422", "503", "504"] {
        assert!(doc["paths"]["/v1/analyze"]["post"]["responses"][code].is_object());
    }
}

/// An index whose vectors were made with other analysis settings than the service's (here
/// `--tempo-range 150-250`) is refused at start-up with a message naming both, instead of
/// being searched with incomparable upload vectors; a service started with the same range (or
/// sample rate) serves it.
#[test]
fn an_index_of_other_settings_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let track = repo("tests/fixtures/formats/mp3_vbr_mono_22k.mp3");
    // an index of the track's record, extracted with `flags`
    let index_with = |name: &str, flags: &[&str]| -> PathBuf {
        let records = dir.path().join(format!("{name}.jsonl"));
        let idx = dir.path().join(format!("{name}.idx"));
        for args in [
            [
                &["extract", "-q"],
                flags,
                &["-o", records.to_str().unwrap()],
                &[track.to_str().unwrap()],
            ]
            .concat(),
            vec![
                "index",
                "build",
                "-o",
                idx.to_str().unwrap(),
                records.to_str().unwrap(),
            ],
        ] {
            let st = Command::new(BIN).args(&args).output().unwrap();
            assert!(
                st.status.success(),
                "{}",
                String::from_utf8_lossy(&st.stderr)
            );
        }
        idx
    };
    let body = std::fs::read(&track).unwrap();
    // a service started with `flags` serves the index: an upload of the indexed track finds
    // it at distance 0, and its record carries the settings; returns that record
    let serve_with = |flags: &[&str], idx: &Path| -> Value {
        let args = [&["--jobs", "1"], flags, &["--index", idx.to_str().unwrap()]].concat();
        let server = Server::start(&args);
        let r = post(&server.url("/v1/similar?k=1&name=upload.mp3"), &body);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let d = r.json()["neighbors"][0]["distance"].as_f64().unwrap();
        assert!(d < 1e-4, "{d}");
        post(&server.url("/v1/analyze?name=upload.mp3"), &body).json()
    };

    let idx = index_with("r", &["--tempo-range", "150-250"]);
    let spool = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--spool-dir"])
        .arg(spool.path())
        .arg("--index")
        .arg(&idx)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("r.idx"), "{err}");
    assert!(err.contains("tempo_range=150-250"), "{err}");
    assert!(err.contains("tempo_range=40-250"), "{err}");
    let rec = serve_with(&["--tempo-range", "150-250"], &idx);
    assert_eq!(rec["settings"]["tempo_min_bpm"], 150.0, "{rec}");
    // the same with the sample rate
    let idx16 = index_with("r16", &["--sample-rate", "16000"]);
    let rec = serve_with(&["--sample-rate", "16000"], &idx16);
    assert_eq!(rec["settings"]["sample_rate"], 16000, "{rec}");
}
