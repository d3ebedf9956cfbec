//! The conformance run's outputs: `docs/compatibility.md` (how it was made,
//! a table per suite, the tests where smbkitd and Samba differ) and a TSV
//! with every result.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use super::TestResult;
use crate::cmd::{output, workspace_root};
use crate::torture::Outcome;

/// Everything a report is made from.
#[derive(Debug)]
pub struct Run<'a> {
    /// The arguments given to `cargo xtask conformance`.
    pub args: String,
    /// Suites and their tests, in run order.
    pub plan: &'a [(String, Vec<String>)],
    /// smbkitd's results, one per test in plan order.
    pub ours: &'a [TestResult],
    /// Samba's results, likewise.
    pub theirs: &'a [TestResult],
    pub minutes: f64,
    pub samba_version: String,
    /// The default time limit per test, and the exceptions by name prefix.
    pub timeouts: (Duration, &'a [(&'a str, Duration)]),
}

impl Run<'_> {
    /// (suite, test, smbkitd result, Samba result) in plan order.
    fn rows(&self) -> impl Iterator<Item = (&str, &str, &TestResult, &TestResult)> {
        self.plan
            .iter()
            .flat_map(|(suite, tests)| tests.iter().map(move |t| (suite.as_str(), t.as_str())))
            .zip(self.ours.iter().zip(self.theirs))
            .map(|((suite, test), (ours, theirs))| (suite, test, ours, theirs))
    }
}

/// `ok`, `fail` or `skip`.
pub fn word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "ok",
        Outcome::Fail => "fail",
        Outcome::Skip => "skip",
    }
}

/// Tab-separated, one line per test and server, with a header line:
/// `suite test server result seconds detail`.
pub fn tsv(run: &Run<'_>) -> String {
    let mut out = String::from("suite\ttest\tserver\tresult\tseconds\tdetail\n");
    for (suite, test, ours, theirs) in run.rows() {
        for (server, r) in [("smbkitd", ours), ("samba", theirs)] {
            let _ = writeln!(
                out,
                "{suite}\t{test}\t{server}\t{}\t{:.1}\t{}",
                word(r.outcome),
                r.seconds,
                r.detail
            );
        }
    }
    out
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    ok: usize,
    fail: usize,
    skip: usize,
    timeouts: usize,
}

impl Counts {
    fn add(&mut self, r: &TestResult) {
        match r.outcome {
            Outcome::Pass => self.ok += 1,
            Outcome::Fail => self.fail += 1,
            Outcome::Skip => self.skip += 1,
        }
        if r.timed_out {
            self.timeouts += 1;
        }
    }
}

fn counts<'a>(run: &'a Run<'a>) -> Vec<(&'a str, usize, Counts, Counts)> {
    let mut per_suite: Vec<(&str, usize, Counts, Counts)> = Vec::new();
    for (suite, _, ours, theirs) in run.rows() {
        if per_suite.last().is_none_or(|(s, ..)| *s != suite) {
            per_suite.push((suite, 0, Counts::default(), Counts::default()));
        }
        if let Some((_, n, o, t)) = per_suite.last_mut() {
            *n += 1;
            o.add(ours);
            t.add(theirs);
        }
    }
    per_suite
}

fn totals(per_suite: &[(&str, usize, Counts, Counts)]) -> (usize, Counts, Counts) {
    let mut all = (0, Counts::default(), Counts::default());
    for (_, n, o, t) in per_suite {
        all.0 += n;
        for (sum, c) in [(&mut all.1, o), (&mut all.2, t)] {
            sum.ok += c.ok;
            sum.fail += c.fail;
            sum.skip += c.skip;
            sum.timeouts += c.timeouts;
        }
    }
    all
}

/// One line for the terminal.
pub fn summary(run: &Run<'_>) -> String {
    let (n, o, t) = totals(&counts(run));
    format!(
        "==> conformance: {n} tests; smbkitd {} ok, {} failed ({} timed out), {} skipped; \
         Samba {} ok, {} failed ({} timed out), {} skipped",
        o.ok, o.fail, o.timeouts, o.skip, t.ok, t.fail, t.timeouts, t.skip
    )
}

/// The first line `program args` prints.
fn shell(program: &str, args: &[&str]) -> String {
    output(Command::new(program).args(args))
        .map(|s| s.lines().next().unwrap_or_default().trim().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// The machine, as `uname` and `/proc/cpuinfo` describe it.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{}, {cpus} CPUs ({model})", shell("uname", &["-srm"]))
}

/// `docs/compatibility.md`.
pub fn markdown(run: &Run<'_>) -> String {
    let per_suite = counts(run);
    let (n, o, t) = totals(&per_suite);
    let command = if run.args.is_empty() {
        "cargo xtask conformance".to_owned()
    } else {
        format!("cargo xtask conformance {}", run.args)
    };
    let commit = output(Command::new("git").current_dir(workspace_root()).args([
        "rev-parse",
        "--short=12",
        "HEAD",
    ]))
    .map(|s| s.trim().to_owned())
    .unwrap_or_else(|_| "unknown".to_owned());
    let mut md = String::new();
    let _ = write!(
        md,
        "# Compatibility: smbtorture against smbkitd and Samba\n\n\
         Generated by `{command}` from the results of one run; do not edit by hand,\n\
         run it again. It is not part of `cargo xtask test`: a whole run takes about\n\
         a quarter of an hour (this one: {minutes:.1} min). `cargo xtask conformance --suite smb2.lock`\n\
         runs only the suites named, and writes `target/conformance.md` instead of this file.\n\
         Every result is also in `target/conformance.tsv` (suite, test, server, result,\n\
         seconds, detail), from which the known-failures list can be derived, and smbtorture's\n\
         whole output for every test that did not pass in `target/conformance-logs/SERVER/TEST.txt`.\n\n\
         ## How\n\n\
         - Date: {date}\n\
         - smbkitd: commit `{commit}`, debug build, started as `cargo xtask smbtorture` starts it\n\
         \x20 (a writable `share` and a read-only `noperm` share on tmpfs, signing required).\n\
         - Samba: smbd {samba} (`smbd --foreground --no-process-group`), loopback only,\n\
         \x20 private state in a temporary directory, `vfs objects = acl_xattr streams_xattr`,\n\
         \x20 `posix locking = no`, `smbd:FSCTL_SMBTORTURE = yes`, the same two shares on tmpfs.\n\
         - Client: {torture}, one process per test:\n\
         \x20 `smbtorture //127.0.0.1/share -p PORT -U USER%PASSWORD -T samba3 TEST`.\n\
         \x20 Tests come from `smbtorture --list` (the doubled last component stripped).\n\
         - Time limit per test: {default} s{exceptions}; a test killed at the limit counts as failed.\n\
         - Both servers ran side by side on one machine: {machine}.\n\
         - ok = smbtorture reported success; skip = it skipped the test (the server lacks an\n\
         \x20 optional feature, or the test needs a setup we do not have); fail = failure, error,\n\
         \x20 crash or time limit.\n\n\
         ## Per suite\n\n\
         | suite | tests | smbkitd ok | smbkitd fail | smbkitd skip | Samba ok | Samba fail | Samba skip |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
        minutes = run.minutes,
        date = shell("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        samba = run.samba_version,
        torture = shell("smbtorture", &["--version"]),
        default = run.timeouts.0.as_secs(),
        exceptions = if run.timeouts.1.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                run.timeouts
                    .1
                    .iter()
                    .map(|(p, t)| format!("`{}*`: {} s", p, t.as_secs()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        machine = machine(),
    );
    let cell = |c: &Counts, v: usize, timeouts: bool| {
        if timeouts && c.timeouts > 0 {
            format!("{v} ({} timed out)", c.timeouts)
        } else {
            v.to_string()
        }
    };
    for (suite, tests, o, t) in per_suite.iter().chain([&("**all**", n, o, t)]) {
        let _ = writeln!(
            md,
            "| {suite} | {tests} | {} | {} | {} | {} | {} | {} |",
            o.ok,
            cell(o, o.fail, true),
            o.skip,
            t.ok,
            cell(t, t.fail, true),
            t.skip
        );
    }
    let differ: Vec<_> = run
        .rows()
        .filter(|(_, _, ours, theirs)| ours.outcome != theirs.outcome)
        .collect();
    let _ = write!(
        md,
        "\n## Where smbkitd and Samba differ ({} tests)\n\n\
         The reason is the first line smbtorture printed for the server that did not pass\n\
         (source file and line in Samba's `source4/torture/`).\n\n\
         | test | smbkitd | Samba | why |\n|---|---|---|---|\n",
        differ.len()
    );
    for (_, test, ours, theirs) in differ {
        let why = if ours.outcome == Outcome::Pass {
            format!("Samba: {}", theirs.detail)
        } else {
            ours.detail.clone()
        };
        let _ = writeln!(
            md,
            "| `{test}` | {} | {} | {} |",
            word(ours.outcome),
            word(theirs.outcome),
            why.replace('|', "/")
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(outcome: Outcome, detail: &str) -> TestResult {
        TestResult {
            outcome,
            seconds: 0.5,
            detail: detail.to_owned(),
            timed_out: detail.starts_with("killed"),
        }
    }

    #[test]
    fn tables_count_and_list_differences() {
        let plan = vec![
            (
                "smb2.a".to_owned(),
                vec!["smb2.a.x".to_owned(), "smb2.a.y".to_owned()],
            ),
            ("smb2.b".to_owned(), vec!["smb2.b".to_owned()]),
        ];
        let ours = [
            r(Outcome::Pass, ""),
            r(Outcome::Fail, "killed after 60 s"),
            r(Outcome::Skip, "no"),
        ];
        let theirs = [
            r(Outcome::Pass, ""),
            r(Outcome::Pass, ""),
            r(Outcome::Fail, "x.c:1: bad"),
        ];
        let run = Run {
            args: String::new(),
            plan: &plan,
            ours: &ours,
            theirs: &theirs,
            minutes: 1.0,
            samba_version: "4.17".to_owned(),
            timeouts: (
                Duration::from_secs(60),
                &[("smb2.notify.", Duration::from_secs(30))],
            ),
        };
        let tsv = tsv(&run);
        assert_eq!(tsv.lines().count(), 1 + 2 * 3);
        assert!(tsv.contains("smb2.a\tsmb2.a.y\tsmbkitd\tfail\t0.5\tkilled after 60 s\n"));
        assert!(tsv.contains("smb2.b\tsmb2.b\tsamba\tfail\t0.5\tx.c:1: bad\n"));
        let md = markdown(&run);
        assert!(
            md.contains("| smb2.a | 2 | 1 | 1 (1 timed out) | 0 | 2 | 0 | 0 |"),
            "{md}"
        );
        assert!(
            md.contains("| smb2.b | 1 | 0 | 0 | 1 | 0 | 1 | 0 |"),
            "{md}"
        );
        assert!(
            md.contains("| **all** | 3 | 1 | 1 (1 timed out) | 1 | 2 | 1 | 0 |"),
            "{md}"
        );
        assert!(md.contains("differ (2 tests)"), "{md}");
        assert!(
            md.contains("| `smb2.a.y` | fail | ok | killed after 60 s |"),
            "{md}"
        );
        assert!(md.contains("| `smb2.b` | skip | fail | no |"), "{md}");
        assert!(!md.contains("`smb2.a.x`"), "{md}");
        assert!(summary(&run).contains("smbkitd 1 ok, 1 failed (1 timed out), 1 skipped"));
    }
}
