//! Times the pure planner on N generated pending files (default 100,000) and prints the
//! median of 5 runs in milliseconds; `benches/format.sh` runs it in release mode.

#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use stagefmt::planner::{Limits, Pending, batch};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let pending: Vec<Pending> = (0..n)
        .map(|i| Pending {
            path: PathBuf::from(format!(
                "src/pkg{}/mod{}/sub{}/file_{i}.py",
                i % 20,
                i % 173,
                i % 7
            )),
            lines: i % 40 + 1,
            formatter: "ruff".to_string(),
            owner: String::new(),
        })
        .collect();
    let versions: BTreeMap<String, String> =
        [("ruff".to_string(), "ruff 0.17.6".to_string())].into();
    let limits = Limits {
        max_files: 25,
        max_lines: 2000,
        by_owner: false,
    };
    let mut times = Vec::new();
    let mut batches = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let p = batch(&pending, limits, &versions);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        batches = p.batches.len();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "planner: {n} pending files -> {batches} batches, median {:.1} ms",
        times[2]
    );
}
