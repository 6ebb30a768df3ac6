//! Stage timings, printed when `GCA_TIMINGS` is set.

/// Prints how long each stage took (wall clock, and CPU time of the whole
/// process where the system tells it) when `GCA_TIMINGS` is set.
pub struct Timer {
    on: bool,
    last: std::time::Instant,
    last_cpu: Option<f64>,
}

/// The process's peak so far, over the stages whose peaks were reset.
static PEAK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Timer {
    /// Starts timing.
    pub fn new() -> Timer {
        let on = std::env::var_os("GCA_TIMINGS").is_some();
        Timer {
            on,
            last: std::time::Instant::now(),
            last_cpu: if on { process_cpu_seconds() } else { None },
        }
    }

    /// Prints the time since the last lap, and the memory: resident now,
    /// the stage's own peak (where the system can reset the peak between
    /// stages) and the peak so far.
    pub fn lap(&mut self, stage: &str) {
        if self.on {
            let cpu = process_cpu_seconds();
            let cpu_ms = match (cpu, self.last_cpu) {
                (Some(now), Some(before)) => format!(", {:.0} ms CPU", (now - before) * 1000.0),
                _ => String::new(),
            };
            let memory = memory().map(|(rss, stage_peak)| {
                let peak = PEAK
                    .fetch_max(stage_peak, std::sync::atomic::Ordering::Relaxed)
                    .max(stage_peak);
                // Writing 5 to clear_refs resets the peak (Linux 4.0+), so
                // that the next reading is the next stage's own.
                let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
                if reset {
                    format!(", {rss} MiB now, {stage_peak} MiB stage peak, {peak} MiB peak")
                } else {
                    format!(", {rss} MiB now, {peak} MiB peak")
                }
            });
            eprintln!(
                "  {stage}: {} ms{cpu_ms}{}",
                self.last.elapsed().as_millis(),
                memory.unwrap_or_default()
            );
            self.last_cpu = cpu;
        }
        self.last = std::time::Instant::now();
    }
}

/// Resident and peak resident memory in MiB (Linux), for `GCA_TIMINGS`.
fn memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
            .map(|kb| kb / 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// User plus system CPU seconds of this process (Linux), for `GCA_TIMINGS`.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
