//! Timing commands: each run's wall time, and with GNU time its CPU and
//! peak RSS; contests that alternate their commands round by round so that
//! drift in the machine's state hits all of them alike; medians.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One run of a command.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    pub wall: Duration,
    /// User + system CPU seconds (GNU time), when asked for.
    pub cpu: Duration,
    /// Peak resident set in KiB (GNU time), when asked for.
    pub rss_kib: u64,
}

/// A shell command line, run by `sh -c`, stdout discarded.
pub fn sh(script: &str) -> Command {
    let mut command = Command::new("sh");
    command.arg("-c").arg(script);
    command
}

/// Runs `command` once and times it; it must succeed.
pub fn run(command: &mut Command) -> Sample {
    let start = Instant::now();
    let out = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run a benchmark command");
    let wall = start.elapsed();
    assert!(
        out.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Sample {
        wall,
        ..Sample::default()
    }
}

/// How many requests a `-v` run made (registry requests and token
/// requests, each a line of its own), as `N (M token)`.
pub fn round_trips(command: &mut Command) -> String {
    let out = command.output().expect("run ddigest -v");
    let text = String::from_utf8_lossy(&out.stderr);
    let requests = text
        .lines()
        .filter(|l| l.contains(" HTTP/") || l.contains(": error: "))
        .count();
    let tokens = text.lines().filter(|l| l.contains(": token ")).count();
    format!("{} ({tokens} token)", requests + tokens)
}

/// Runs `script` under GNU time for CPU and peak RSS.
pub fn run_with_rusage(script: &str, env: &[(String, String)]) -> Sample {
    let report = tempfile::NamedTempFile::new().expect("temp file");
    let mut command = Command::new("/usr/bin/time");
    command
        .arg("-o")
        .arg(report.path())
        .args(["-f", "%e %U %S %M", "sh", "-c", script])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)));
    let sample = run(&mut command);
    let text = std::fs::read_to_string(report.path()).expect("time report");
    let fields: Vec<f64> = text
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    assert_eq!(fields.len(), 4, "GNU time printed {text:?}");
    Sample {
        wall: sample.wall,
        cpu: Duration::from_secs_f64(fields[1] + fields[2]),
        rss_kib: fields[3] as u64,
    }
}

/// Named commands measured in turns: round 1 runs each once, then round 2…
/// A command to time, run once per call.
type Timed<'a> = Box<dyn FnMut() -> Sample + 'a>;

pub struct Contest<'a> {
    entries: Vec<(&'static str, Timed<'a>)>,
    warm_up: bool,
}

impl<'a> Contest<'a> {
    /// With `warm_up`, each command runs once untimed first.
    pub fn new(warm_up: bool) -> Self {
        Contest {
            entries: Vec::new(),
            warm_up,
        }
    }

    pub fn add(mut self, name: &'static str, f: impl FnMut() -> Sample + 'a) -> Self {
        self.entries.push((name, Box::new(f)));
        self
    }

    /// Medians per command, in the order added.
    pub fn run(mut self, rounds: usize) -> Vec<(&'static str, Sample)> {
        if self.warm_up {
            for (_, f) in &mut self.entries {
                f();
            }
        }
        let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); self.entries.len()];
        for _ in 0..rounds {
            for (i, (_, f)) in self.entries.iter_mut().enumerate() {
                samples[i].push(f());
            }
        }
        let names = self.entries.iter().map(|(n, _)| *n);
        names.zip(samples.into_iter().map(median)).collect()
    }
}

/// The median sample by wall time (CPU and RSS medians taken separately).
pub fn median(mut samples: Vec<Sample>) -> Sample {
    assert!(!samples.is_empty());
    let mid = samples.len() / 2;
    samples.sort_by_key(|s| s.cpu);
    let cpu = samples[mid].cpu;
    samples.sort_by_key(|s| s.rss_kib);
    let rss_kib = samples[mid].rss_kib;
    samples.sort_by_key(|s| s.wall);
    Sample {
        wall: samples[mid].wall,
        cpu,
        rss_kib,
    }
}
