//! Crash test of the journal with real `kill -9`: a child process (this test binary run again
//! with `PERSIST_CRASH_CHILD` set) recovers, then accepts uplink counters and takes downlink
//! counters as fast as it can, printing an uplink counter only once its record is durable and a
//! downlink counter once its lease is (for uplinks, the highest of each batch made durable). The parent SIGKILLs it at a random moment, many times,
//! and after each kill recovers the journal itself and checks that every printed uplink counter
//! is at most the recovered FCntUp, every printed downlink counter is below the recovered lease
//! limit, and that no counter was printed twice across all the runs (each run resumes above
//! what the previous one handed out). The child also rolls segments and takes checkpoints, so
//! kills land inside those too.

use dataplane::persist::{
    DurableQueue, Journal, JournalConfig, SessionKey, Take, partition, recover,
};
use shared::types::{DevAddr, DevEui};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "PERSIST_CRASH_CHILD";
const KEYS: u32 = 8;
const RUNS: usize = 30;

fn key(i: u32) -> SessionKey {
    SessionKey {
        dev_addr: DevAddr::from_u32(0x2600_0000 + i),
        dev_eui: Some(DevEui::from_u64(0x70B3_D57E_D000_0000 + u64::from(i))),
    }
}

fn config() -> JournalConfig {
    JournalConfig {
        segment_bytes: 64 << 10,
        lease_block: 16,
        ..JournalConfig::default()
    }
}

/// The child: runs until killed (or 20 s, a bound should the parent die first).
fn child(root: &Path) {
    let recovered = recover(root).expect("recover").sessions;
    let seed = partition(recovered, 1, |_| 0).pop().unwrap_or_default();
    let mut j = Journal::open(root, 0, config(), seed).expect("open");
    let mut up: Vec<u32> = (0..KEYS)
        .map(|i| {
            j.state(&key(i))
                .and_then(|s| s.fcnt_up)
                .map_or(0, |f| f + 1)
        })
        .collect();
    let mut leases: Vec<_> = (0..KEYS).map(|i| j.n_fcnt_down_lease(&key(i), 0)).collect();
    let mut held = DurableQueue::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut lines = String::new();
    let start = Instant::now();
    for i in 0u64.. {
        let k = (i % u64::from(KEYS)) as u32;
        let slot = k as usize;
        let seq = j.append_fcnt_up(key(k), up[slot]).expect("append");
        held.push(seq, (k, up[slot]));
        up[slot] += 1;
        if i % 3 == 0
            && let Take::Ready(v) = j.take_n_fcnt_down(key(k), &mut leases[slot]).expect("take")
        {
            lines.push_str(&format!("D {k} {v}\n"));
        }
        let durable = j.poll(Instant::now()).expect("poll");
        // Per release, the highest durable counter of each session (what the check needs).
        let mut top = [None; KEYS as usize];
        for (k, f) in held.release(durable) {
            top[k as usize] = Some(f);
        }
        for (k, f) in top.iter().enumerate() {
            if let Some(f) = f {
                lines.push_str(&format!("U {k} {f}\n"));
            }
        }
        if i % 20_000 == 19_999 {
            j.checkpoint().expect("checkpoint");
        }
        if !lines.is_empty() {
            out.write_all(lines.as_bytes()).expect("stdout");
            out.flush().expect("stdout");
            lines.clear();
        }
        if start.elapsed() > Duration::from_secs(20) {
            return;
        }
    }
}

#[test]
fn child_entry() {
    if let Some(root) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&root));
    }
}

/// Runs one child, kills it `delay` after its first line, returns its complete lines.
fn run_and_kill(root: &Path, delay: Duration) -> Vec<String> {
    let exe = std::env::current_exe().expect("current exe");
    let mut c = Command::new(exe)
        .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, root)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = c.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        let mut r = BufReader::new(stdout);
        let mut line = String::new();
        let mut first = Some(tx);
        // A line cut by the kill has no newline: it is not counted.
        while r.read_line(&mut line).unwrap_or(0) > 0 {
            if line.ends_with('\n') && (line.starts_with("U ") || line.starts_with("D ")) {
                lines.push(line.trim_end().to_owned());
                if let Some(tx) = first.take() {
                    let _ = tx.send(());
                }
            }
            line.clear();
        }
        lines
    });
    let started = rx.recv_timeout(Duration::from_secs(10)).is_ok();
    std::thread::sleep(delay);
    c.kill().expect("SIGKILL");
    c.wait().expect("reap");
    let lines = reader.join().expect("reader");
    assert!(started, "child printed nothing in 10 s");
    lines
}

#[test]
fn kill_9_at_random_moments_never_reuses_a_counter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root: PathBuf = dir.path().join("journal");
    let mut last_up: HashMap<u32, u32> = HashMap::new();
    let mut last_down: HashMap<u32, u32> = HashMap::new();
    let (mut ups, mut downs, mut torn) = (0usize, 0usize, 0usize);
    let t0 = Instant::now();
    for run in 0..RUNS {
        let delay = Duration::from_millis(fastrand::u64(0..60));
        let lines = run_and_kill(&root, delay);
        let mut printed_up: HashMap<u32, u32> = HashMap::new();
        let mut printed_down: HashMap<u32, u32> = HashMap::new();
        for line in &lines {
            let mut it = line.split(' ');
            let kind = it.next().unwrap_or_default();
            let k: u32 = it.next().and_then(|s| s.parse().ok()).expect("key");
            let v: u32 = it.next().and_then(|s| s.parse().ok()).expect("value");
            let (last, printed, n) = if kind == "U" {
                (&mut last_up, &mut printed_up, &mut ups)
            } else {
                (&mut last_down, &mut printed_down, &mut downs)
            };
            if let Some(prev) = last.get(&k) {
                assert!(v > *prev, "run {run}: {kind} {k} {v} after {prev}: reused");
            }
            last.insert(k, v);
            printed.insert(k, v);
            *n += 1;
        }
        let r = recover(&root).expect("recover");
        torn += r.stats.torn_tails;
        for (k, f) in printed_up {
            let got = r.sessions.get(&key(k)).and_then(|s| s.fcnt_up);
            assert!(
                got >= Some(f),
                "run {run}: FCntUp {f} of {k} printed, recovered {got:?}"
            );
        }
        for (k, v) in printed_down {
            let limit = r.sessions.get(&key(k)).map_or(0, |s| s.n_fcnt_down_limit);
            assert!(
                v < limit,
                "run {run}: NFCntDown {v} of {k} sent, lease limit {limit}"
            );
        }
    }
    eprintln!(
        "{RUNS} kills in {:?}: {ups} uplink and {downs} downlink counters checked, {torn} torn tails seen",
        t0.elapsed()
    );
    assert!(
        ups > RUNS && downs > RUNS,
        "too little work to mean anything"
    );
}
