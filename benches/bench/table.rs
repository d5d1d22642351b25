//! The results table: one row per measure with ddigest's figure, what it
//! is compared with, the ratio, the target and whether it is met; and the
//! markdown page around it.

use crate::measure::Sample;
use crate::setup::Counted;
use std::time::Duration;

pub struct Row {
    what: String,
    ours: String,
    theirs: String,
    ratio: String,
    target: String,
    met: Option<bool>,
}

#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

impl Row {
    /// ddigest's time over the other's; the target is a maximum ratio.
    pub fn versus(what: &str, ours: Duration, theirs: Duration, max: Option<f64>) -> Row {
        let ratio = ours.as_secs_f64() / theirs.as_secs_f64();
        Row {
            what: what.into(),
            ours: ms(ours),
            theirs: ms(theirs),
            ratio: format!("{ratio:.2}×"),
            target: max.map_or("—".into(), |m| format!("≤ {m}×")),
            met: max.map(|m| ratio <= m),
        }
    }

    /// How many times faster ddigest is; the target is a minimum.
    pub fn faster(what: &str, ours: Duration, theirs: Duration, min: Option<f64>) -> Row {
        let speedup = theirs.as_secs_f64() / ours.as_secs_f64();
        Row {
            what: what.into(),
            ours: ms(ours),
            theirs: ms(theirs),
            ratio: format!("{speedup:.1}× faster"),
            target: min.map_or("—".into(), |m| format!("≥ {m}× faster")),
            met: min.map(|m| speedup >= m),
        }
    }

    pub fn requests(n: usize, c: Counted, max: Option<f64>) -> Row {
        let per = (c.manifests + c.other + c.tokens) as f64 / n as f64;
        Row {
            what: format!("requests per reference, {n} references in one call"),
            ours: format!("{per:.3}"),
            theirs: format!(
                "{} manifest, {} other registry, {} token requests",
                c.manifests, c.other, c.tokens
            ),
            ratio: "—".into(),
            target: max.map_or("—".into(), |m| format!("≤ {m}")),
            met: max.map(|m| per <= m + 1e-9),
        }
    }

    /// One scaling row; `growth` is (time ratio, reference ratio) against
    /// the 100-reference row.
    pub fn scale(n: usize, s: Sample, growth: Option<(f64, f64)>, rss_limit_kib: u64) -> Row {
        let rss_mib = s.rss_kib as f64 / 1024.0;
        let rss_ok = s.rss_kib < rss_limit_kib;
        let (ratio, linear) = match growth {
            Some((time, refs)) => (
                format!("{time:.2}× the time for {refs:.1}× the references"),
                refs < 1.0 || time <= refs,
            ),
            None => ("(baseline)".into(), true),
        };
        Row {
            what: format!("{n} references in one call: wall, user+system CPU, peak RSS"),
            ours: format!("{}, {}, {rss_mib:.1} MiB", ms(s.wall), ms(s.cpu)),
            theirs: "—".into(),
            ratio,
            target: format!("at most linear; RSS < {} MiB", rss_limit_kib / 1024),
            met: Some(linear && rss_ok),
        }
    }

    /// Wall time as a number of round trips of `rtt`; the target is a maximum.
    pub fn rtts(what: &str, ours: Duration, rtt: Duration, max: Option<f64>) -> Row {
        let trips = ours.as_secs_f64() / rtt.as_secs_f64();
        Row {
            what: what.into(),
            ours: format!("{trips:.1} RTT"),
            theirs: ms(ours),
            ratio: "—".into(),
            target: max.map_or("—".into(), |m| format!("≤ {m} RTT")),
            met: max.map(|m| trips <= m),
        }
    }

    /// The same row under another name.
    pub fn named(mut self, what: &str) -> Row {
        self.what = what.into();
        self
    }

    /// Wall time and peak RSS; the target is an RSS limit.
    pub fn memory(what: &str, s: Sample, rss_limit_kib: u64) -> Row {
        Row {
            what: what.into(),
            ours: format!("{}, {:.1} MiB", ms(s.wall), s.rss_kib as f64 / 1024.0),
            theirs: "—".into(),
            ratio: "—".into(),
            target: format!("RSS < {} MiB", rss_limit_kib / 1024),
            met: Some(s.rss_kib < rss_limit_kib),
        }
    }

    pub fn text(what: &str, ours: &str) -> Row {
        Row {
            what: what.into(),
            ours: ours.into(),
            theirs: "—".into(),
            ratio: "—".into(),
            target: "—".into(),
            met: None,
        }
    }

    pub fn info(what: &str, ours: Duration) -> Row {
        Row {
            what: what.into(),
            ours: ms(ours),
            theirs: "—".into(),
            ratio: "—".into(),
            target: "—".into(),
            met: None,
        }
    }

    pub fn size(bytes: u64) -> Row {
        Row {
            what: "release binary size".into(),
            ours: format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0)),
            theirs: "—".into(),
            ratio: "—".into(),
            target: "—".into(),
            met: None,
        }
    }
}

impl Table {
    pub fn push(&mut self, row: Row) {
        eprintln!(
            "bench: {} — {} vs {} ({})",
            row.what, row.ours, row.theirs, row.ratio
        );
        self.rows.push(row);
    }

    pub fn markdown(&self, machine: &str) -> String {
        let mut out = String::from(
            "# ddigest benchmark\n\n\
             Produced by `scripts/bench` (rerun it to reproduce): the CNCF distribution \
             registry on 127.0.0.1, token auth over TLS unless the row says otherwise, \
             commands alternated round by round, medians of the rounds.\n\n",
        );
        out += "| measure | ddigest | compared with | ratio | target | met |\n";
        out += "| --- | --- | --- | --- | --- | --- |\n";
        for r in &self.rows {
            let met = match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            };
            out += &format!(
                "| {} | {} | {} | {} | {} | {met} |\n",
                r.what, r.ours, r.theirs, r.ratio, r.target
            );
        }
        out += "\n## Machine\n\n";
        out += machine;
        out
    }
}
