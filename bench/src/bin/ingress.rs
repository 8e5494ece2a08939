//! Ingress benchmark: the data plane's per-core pipeline (Semtech UDP PUSH_DATA → owner routing
//! → network core dedup, MIC, FCnt, decryption → event sink), in ONE run:
//!
//! 1. in-process, no sockets: pre-built datagrams (1 `rxpk` each, valid LoRaWAN 1.0 data uplinks
//!    of N ABP sessions, each uplink's copies from k gateways) fed straight into a `Worker` on
//!    one core, real clock, counting sink: deduplicated uplinks/s per core and ns per datagram;
//!    beside it the Semtech UDP ingress alone (parse + PUSH_ACK), to split the cost;
//! 2. the io_uring `UdpRing` (multishot and one-shot `recvmsg`) running the same `Worker`;
//! 3. a plain tokio `UdpSocket` loop (current-thread runtime) and a tokio-uring `UdpSocket` loop
//!    (one owned-buffer `recv_from` at a time, its only UDP receive), each running the same `Worker`;
//! 4. the kernel's ceiling: a bare `recvmmsg` loop doing nothing, and the same loop answering
//!    each datagram with its 4-byte PUSH_ACK (one `sendmmsg` per batch), the least a Semtech UDP
//!    server does.
//!
//! For 2–4 a sender thread blasts the same pool over loopback with `sendmmsg` (bounded by count
//! and `--secs`), pinned to core 0 while the receiver is pinned to core 1 (these VMs have two
//! cores); the table gives datagrams/s received, uplinks/s delivered, datagrams lost in the
//! kernel, the receiver's CPU per datagram, send→event latency percentiles beyond the dedup
//! window (HdrHistogram; send times in a side table indexed by uplink), each ingress as a
//! fraction of the ceiling, and io_uring against tokio.
//!
//! A second, paced pass (`--latency-rate`, default 20k datagrams/s for 1 s) gives the latency and
//! CPU per datagram below saturation, where queueing in the socket buffer does not dominate.
//!
//! Run (about 50 s, peak memory about 0.5 GB):
//!
//! ```text
//! cargo run --release -p bench --bin ingress
//! cargo run --release -p bench --bin ingress -- --k 1 --secs 2 --sessions 10000 \
//!     --datagrams 600000 --window-ms 200 [--rate 0] [--latency-rate 20000] [--reps 3] [--no-pin]
//! cargo run --release -p bench --bin ingress -- --only pipeline --k 1 --reps 1   # to profile
//! valgrind --tool=callgrind --toggle-collect='*bench::ingress::run::feed*' \
//!     target/release/ingress --only pipeline --k 1 --reps 1 --datagrams 30000 --no-pin
//! ```
//!
//! Measured on the 2-vCPU dev VM (sender core 0, receiver core 1; wall and CPU times there vary
//! ±30% run to run, so compare rows of one run): in-process 150–290k deduplicated uplinks/s
//! per core at k = 1 (3.5–6.8 µs per uplink) and 75–140k at k = 3, short of the 500k goal; the
//! Semtech UDP ingress alone takes 1.5–1.8 µs per datagram. Callgrind, k = 1: about 18.8k
//! instructions per uplink, 66% in `Packet::parse` (serde_json 48%, field validation 17%), 12%
//! admitting the copy (dedup offer, mostly SipHash of the key), 15% closing it (dedup poll and
//! the uplink steps; MIC plus decryption only ~3%), allocator ~10% spread over both. Over
//! loopback the io_uring multishot loop received 1.5–1.7× what the tokio loop did at
//! saturation (0.5–0.7 of the bare `recvmmsg` rate, which the one sending core bounds), and
//! 3.0× what the tokio-uring loop did (which reached 0.57× plain tokio).
//!
//! After the PUSH_DATA scanner (`--parser scan`, the default; `--parser serde` keeps the old
//! path in the same binary), keyed aHash in dedup and the gateway links, and a reused
//! `PushData`: callgrind, k = 1, 30k uplinks: 18.5k → 13.1k instructions per uplink (old binary
//! vs new), of which the JSON body 12.3k → 8.0k, `Dedup::offer` 1.8k → 0.74k, malloc 0.83k →
//! 0.37k. Wall clock in one run (`--only inproc --k 1,3 --reps 5 --parser both`, VM under load
//! ~4, where the old binary gave 174k/82k uplinks/s): pipeline serde → scan 190k → 202k
//! uplinks/s per core at k = 1 (x1.07) and 82k → 121k at k = 3 (x1.48); ingress alone x1.77
//! and x1.64. An earlier, quieter run of the same comparison gave 252k → 371k (x1.47) at
//! k = 1. Not yet the 500k goal: per uplink the network core (dedup close, session lookup
//! with SipHash, MIC, decryption, the event's `String`s and `Vec`s) costs ~4.5k instructions
//! and the registry's SipHash lookup ~0.2k, outside this path's files.

use bench::ingress::load::{Load, Shape};
use bench::ingress::receivers::Ingress;
use bench::ingress::{Options, report, run};
use dataplane::runtime::udp::RecvMode;
use std::time::Duration;

fn main() {
    let opts = match Options::from_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("ingress: {e}");
            std::process::exit(2);
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "ingress benchmark: {cores} cores, pinning {}, dedup window {} ms, cooldown {} ms, {} entries, sender {}",
        if opts.pin { "on" } else { "off" },
        opts.window.as_millis(),
        opts.cooldown.as_millis(),
        opts.dedup_entries,
        if opts.rate == 0 {
            "unpaced".to_string()
        } else {
            format!("paced at {} datagrams/s", opts.rate)
        }
    );
    for &k in &opts.ks {
        let k = k.max(1);
        let load = Load::build(Shape {
            sessions: opts.sessions,
            k,
            uplinks: opts.datagrams / k,
        });
        report::load_header(&load);
        if opts.only != "sockets" {
            // Parsers interleaved per repetition so drift on the shared VM hits both alike.
            let mut full = vec![Vec::new(); opts.parsers.len()];
            let mut ingress = vec![Vec::new(); opts.parsers.len()];
            for _ in 0..opts.reps {
                for (i, &p) in opts.parsers.iter().enumerate() {
                    full[i].push(run::in_process(&load, &opts, p));
                    if opts.only != "pipeline" {
                        ingress[i].push(run::ingress_only(&load, &opts, p));
                    }
                }
            }
            let medians: Vec<_> = opts
                .parsers
                .iter()
                .zip(full.iter().zip(&ingress))
                .map(|(p, (f, i))| report::in_process(&format!("{p:?}").to_lowercase(), f, i))
                .collect();
            report::parser_ratio(&medians);
        }
        if opts.only == "inproc" || opts.only == "pipeline" {
            continue;
        }
        let loops = [
            Ingress::Recvmmsg,
            Ingress::RecvmmsgAck,
            Ingress::Uring(RecvMode::Multishot),
            Ingress::Uring(RecvMode::Single),
            Ingress::Tokio,
            Ingress::TokioUring,
        ];
        let runs: Vec<_> = loops
            .iter()
            .map(|&i| run::socket_run(i, &load, &opts, opts.rate, opts.secs))
            .collect();
        let title = match opts.rate {
            0 => "throughput: loopback UDP, sender unpaced on core 0 (sendmmsg x64), receiver on core 1".to_string(),
            r => format!("throughput: loopback UDP, sender at {r}/s on core 0, receiver on core 1"),
        };
        report::sockets(&title, &runs, opts.window);
        if opts.latency_rate > 0 {
            let secs = opts.secs.min(Duration::from_secs(1));
            let runs: Vec<_> = loops[2..]
                .iter()
                .map(|&i| run::socket_run(i, &load, &opts, opts.latency_rate, secs))
                .collect();
            let title = format!(
                "latency: sender paced at {}/s for {} s, below every loop's capacity",
                opts.latency_rate,
                secs.as_secs_f64()
            );
            report::sockets(&title, &runs, opts.window);
        }
    }
}
