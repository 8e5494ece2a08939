//! Worker threads, one per core, each pinned to its CPU (after glommio's placement): a worker
//! builds its own io_uring and state on its own thread, so nothing it owns is ever shared.

use std::{io, thread::JoinHandle};

/// How many workers to run for a configured count (`0` = one per available CPU).
pub fn worker_count(configured: usize) -> usize {
    if configured > 0 {
        configured
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Spawns `n` workers named `{name}-{i}`; worker `i` runs `body(i)`, pinned to CPU `i` modulo the
/// CPUs available when `pin` is set (a CPU that cannot be pinned leaves the thread unpinned).
pub fn spawn_workers<T: Send + 'static>(
    name: &str,
    n: usize,
    pin: bool,
    body: impl Fn(usize) -> T + Send + Sync + Clone + 'static,
) -> io::Result<Vec<JoinHandle<T>>> {
    let cpus = if pin {
        core_affinity::get_core_ids().unwrap_or_default()
    } else {
        Vec::new()
    };
    (0..n)
        .map(|i| {
            let body = body.clone();
            let cpu = (!cpus.is_empty()).then(|| cpus[i % cpus.len()]);
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || {
                    if let Some(cpu) = cpu
                        && !core_affinity::set_for_current(cpu)
                    {
                        tracing::warn!(worker = i, "could not pin to CPU {}", cpu.id);
                    }
                    body(i)
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_each_worker_once_with_its_index() {
        let handles = spawn_workers("t", 3, true, |i| {
            (i, std::thread::current().name().map(str::to_owned))
        })
        .unwrap();
        let mut got: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                (0, Some("t-0".into())),
                (1, Some("t-1".into())),
                (2, Some("t-2".into()))
            ]
        );
        assert_eq!(worker_count(5), 5);
        assert!(worker_count(0) >= 1);
    }
}
