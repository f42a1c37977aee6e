//! Statistics, provenance (machine, commit, date) and the table / JSON output.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// The frame at which DOOM's title screen gives way to the demo (3D rendering): the two phases
/// exercise different code (a palette blit vs. the renderer), so their ratios are reported apart.
pub const DEMO_START: usize = 520;

/// Everything measured for one VM.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub compile: Vec<Duration>,
    pub instantiate: Vec<Duration>,
    pub initialize: Duration,
    pub frame_times: Vec<Duration>,
    /// On-CPU time per frame (empty where the OS does not expose it).
    pub frame_cpu_times: Vec<Duration>,
    pub frame_hashes: Vec<u64>,
    pub stdout_hash: u64,
}

fn median(values: &[Duration]) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

impl Measurement {
    fn run_total(&self) -> Duration {
        self.frame_times.iter().sum()
    }

    fn per_frame(&self) -> Duration {
        self.run_total() / (self.frame_times.len().max(1) as u32)
    }

    fn cpu_per_frame(&self) -> Duration {
        self.frame_cpu_times.iter().sum::<Duration>() / (self.frame_cpu_times.len().max(1) as u32)
    }

    fn batch_totals(times: &[Duration], batch: u32) -> Vec<Duration> {
        times.chunks(batch.max(1) as usize).map(|chunk| chunk.iter().sum()).collect()
    }
}

/// Where and when the numbers were taken.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub cpu: String,
    pub cores: usize,
    pub commit: String,
    pub date: String,
    pub rustc: String,
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let output = std::process::Command::new(program).args(args).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// `YYYY-MM-DD HH:MM:SS UTC` from the system clock (civil-from-days, proleptic Gregorian).
fn utc_now() -> String {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) as i64;
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", rest / 3600, rest / 60 % 60, rest % 60)
}

impl Provenance {
    pub fn collect() -> Provenance {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name").and_then(|rest| rest.split_once(':')))
            .map(|(_, name)| name.trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(0);
        let mut commit =
            command_output("git", &["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
        if command_output("git", &["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty()) {
            commit.push_str("-dirty");
        }
        let rustc = command_output("rustc", &["--version"]).unwrap_or_else(|| "unknown".into());
        Provenance { cpu, cores, commit, date: utc_now(), rustc }
    }
}

/// Extracts one timing from a measurement (a table row).
type Metric = dyn Fn(&Measurement) -> Duration;

/// The report of one `doom` run.
#[derive(Debug)]
pub struct Report {
    batch: u32,
    kestrel: Option<Measurement>,
    polkavm: Option<Measurement>,
    provenance: Provenance,
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-12)
}

impl Report {
    pub fn new(batch: u32, kestrel: Option<Measurement>, polkavm: Option<Measurement>) -> Report {
        Report { batch, kestrel, polkavm, provenance: Provenance::collect() }
    }

    fn both(&self) -> Option<(&Measurement, &Measurement)> {
        Some((self.kestrel.as_ref()?, self.polkavm.as_ref()?))
    }

    /// The first frame whose hashes differ (or where one VM has no frame), if any.
    pub fn first_mismatch(&self) -> Option<usize> {
        let (k, p) = self.both()?;
        let len = k.frame_hashes.len().max(p.frame_hashes.len());
        (0..len).find(|&i| k.frame_hashes.get(i) != p.frame_hashes.get(i))
    }

    fn frames_match(&self) -> Option<bool> {
        let (k, p) = self.both()?;
        Some(self.first_mismatch().is_none() && k.stdout_hash == p.stdout_hash)
    }

    /// Median over interleaved batches of (Kestrel batch time / polkavm batch time).
    fn median_batch_ratio(&self, times: fn(&Measurement) -> &[Duration]) -> Option<f64> {
        let (k, p) = self.both()?;
        let (k, p) = (Measurement::batch_totals(times(k), self.batch), Measurement::batch_totals(times(p), self.batch));
        let mut ratios: Vec<f64> = k.iter().zip(p).map(|(&a, b)| ratio(a, b)).collect();
        ratios.sort_by(f64::total_cmp);
        ratios.get(ratios.len() / 2).copied()
    }

    /// Kestrel / polkavm on-CPU time over frames `range` (clipped to the frames run), if any ran.
    fn phase_cpu_ratio(&self, range: core::ops::Range<usize>) -> Option<f64> {
        let (k, p) = self.both()?;
        let end = range.end.min(k.frame_cpu_times.len()).min(p.frame_cpu_times.len());
        let range = range.start.min(end)..end;
        if range.is_empty() {
            return None;
        }
        let total = |m: &Measurement| m.frame_cpu_times[range.clone()].iter().sum::<Duration>();
        Some(ratio(total(k), total(p)))
    }

    fn ratios(&self) -> Option<Value> {
        let (k, p) = self.both()?;
        Some(json!({
            "compile": ratio(median(&k.compile), median(&p.compile)),
            "instantiate": ratio(median(&k.instantiate), median(&p.instantiate)),
            "initialize": ratio(k.initialize, p.initialize),
            "run_per_frame": ratio(k.per_frame(), p.per_frame()),
            "run_median_batch": self.median_batch_ratio(|m| &m.frame_times),
            "run_cpu_per_frame": ratio(k.cpu_per_frame(), p.cpu_per_frame()),
            "run_cpu_median_batch": self.median_batch_ratio(|m| &m.frame_cpu_times),
            "run_cpu_title_screen": self.phase_cpu_ratio(0..DEMO_START),
            "run_cpu_demo": self.phase_cpu_ratio(DEMO_START..usize::MAX),
        }))
    }

    fn vm_json(m: &Measurement) -> Value {
        json!({
            "compile_ms": m.compile.iter().map(|&d| ms(d)).collect::<Vec<_>>(),
            "compile_median_ms": ms(median(&m.compile)),
            "instantiate_ms": m.instantiate.iter().map(|&d| ms(d)).collect::<Vec<_>>(),
            "instantiate_median_ms": ms(median(&m.instantiate)),
            "initialize_ms": ms(m.initialize),
            "frames": m.frame_times.len(),
            "run_total_ms": ms(m.run_total()),
            "run_per_frame_ms": ms(m.per_frame()),
            "run_median_frame_ms": ms(median(&m.frame_times)),
            "run_cpu_per_frame_ms": ms(m.cpu_per_frame()),
            "last_frame_hash": format!("{:016x}", m.frame_hashes.last().copied().unwrap_or(0)),
            "distinct_frames": m.frame_hashes.iter().collect::<std::collections::BTreeSet<_>>().len(),
        })
    }

    pub fn to_json(&self) -> Value {
        let p = &self.provenance;
        json!({
            "benchmark": "doom",
            "blob": "doom.polkavm (Latest32)",
            "baseline": "polkavm 0.37.0, BackendKind::Interpreter",
            "batch_frames": self.batch,
            "machine": { "cpu": p.cpu, "cores": p.cores },
            "commit": p.commit,
            "date": p.date,
            "rustc": p.rustc,
            "kestrel": self.kestrel.as_ref().map(Self::vm_json),
            "polkavm": self.polkavm.as_ref().map(Self::vm_json),
            "ratios_kestrel_over_polkavm": self.ratios(),
            "frame_hashes_match": self.frames_match(),
        })
    }

    pub fn to_table(&self) -> String {
        let p = &self.provenance;
        let mut out = String::new();
        let _ = writeln!(out, "DOOM (doom.polkavm, Latest32), Kestrel interpreter vs polkavm 0.37 interpreter");
        let _ = writeln!(out, "machine: {} ({} cores); commit {}; {}; {}", p.cpu, p.cores, p.commit, p.date, p.rustc);
        let _ = writeln!(out);
        let _ = writeln!(out, "{:<26} {:>14} {:>14} {:>10}", "", "kestrel", "polkavm", "ratio");
        let cell = |m: Option<&Measurement>, f: &dyn Fn(&Measurement) -> Duration| {
            m.map(|m| format!("{:.3} ms", ms(f(m)))).unwrap_or_else(|| "-".into())
        };
        let rows: [(&str, &Metric); 6] = [
            ("compile (median)", &|m| median(&m.compile)),
            ("instantiate (median)", &|m| median(&m.instantiate)),
            ("ext_initialize", &|m| m.initialize),
            ("run per frame (mean)", &|m| m.per_frame()),
            ("run per frame (median)", &|m| median(&m.frame_times)),
            ("run per frame (CPU time)", &|m| m.cpu_per_frame()),
        ];
        for (name, f) in rows {
            let r = self.both().map(|(k, p)| format!("{:.3}", ratio(f(k), f(p)))).unwrap_or_else(|| "-".into());
            let _ = writeln!(
                out,
                "{name:<26} {:>14} {:>14} {r:>10}",
                cell(self.kestrel.as_ref(), f),
                cell(self.polkavm.as_ref(), f)
            );
        }
        let frames = self.kestrel.as_ref().or(self.polkavm.as_ref()).map_or(0, |m| m.frame_times.len());
        let _ = writeln!(out);
        let _ = writeln!(out, "frames per VM: {frames} (interleaved batches of {})", self.batch);
        if let Some(r) = self.median_batch_ratio(|m| &m.frame_times) {
            let _ = writeln!(out, "run-time ratio kestrel/polkavm, median over batches (wall):     {r:.3}");
        }
        if let Some(r) = self.median_batch_ratio(|m| &m.frame_cpu_times) {
            let _ = writeln!(out, "run-time ratio kestrel/polkavm, median over batches (CPU time): {r:.3}");
        }
        if let Some(r) = self.phase_cpu_ratio(0..DEMO_START) {
            let _ = writeln!(out, "  title screen (frames 0-{}, CPU time):                    {r:.3}", DEMO_START - 1);
        }
        if let Some(r) = self.phase_cpu_ratio(DEMO_START..usize::MAX) {
            let _ = writeln!(out, "  demo (frames {DEMO_START}-, CPU time):                        {r:.3}");
        }
        match self.frames_match() {
            Some(true) => {
                let distinct = self
                    .kestrel
                    .as_ref()
                    .map_or(0, |m| m.frame_hashes.iter().collect::<std::collections::BTreeSet<_>>().len());
                let _ = writeln!(
                    out,
                    "frame hashes: identical ({frames} frames, {distinct} distinct) and stdout identical"
                );
            }
            Some(false) => {
                let _ = writeln!(out, "frame hashes: DIFFER (first at frame {:?})", self.first_mismatch());
            }
            None => {}
        }
        out
    }
}
