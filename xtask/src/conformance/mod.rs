//! `cargo xtask conformance`: smbtorture's SMB2 suites against smbkitd and
//! against Samba's smbd, on the same machine in the same run, written to
//! `docs/compatibility.md` (per-suite table, per-test differences) and
//! `target/conformance.tsv` (every result, machine-readable).
//!
//! Each suite is expanded into its tests with `smbtorture --list`; every test
//! runs in its own smbtorture process with a time limit, so a test that hangs
//! or kills its connection costs only itself. The two servers run side by
//! side, one thread each. Not part of `cargo xtask test`: a whole run takes
//! about a quarter of an hour.

mod report;
mod samba;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cmd::{output, target_dir, workspace_root};
use crate::torture::{self, KILLED, Outcome, PASSWORD, USER};

/// The suites of a full run: the file service, the secure channel, and the
/// next issue's (oplocks, leases, durable handles, notify, replay), so the
/// table shows where we stand on them too.
pub const SUITES: &[&str] = &[
    "smb2.connect",
    "smb2.tcon",
    "smb2.session-id",
    "smb2.session",
    "smb2.create",
    "smb2.read",
    "smb2.rw",
    "smb2.getinfo",
    "smb2.setinfo",
    "smb2.dir",
    "smb2.rename",
    "smb2.delete-on-close-perms",
    "smb2.compound",
    "smb2.credits",
    "smb2.lock",
    "smb2.ioctl",
    "smb2.maxfid",
    "smb2.sharemode",
    "smb2.streams",
    "smb2.oplock",
    "smb2.lease",
    "smb2.durable-open",
    "smb2.durable-v2-open",
    "smb2.notify",
    "smb2.replay",
];

/// Per-test time limit unless `--timeout` says otherwise. Samba's slowest
/// tests here (smb2.lease.timeout, breaks that wait for the 35 s oplock
/// break timeout) need well over half a minute.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Time limits that differ from [`DEFAULT_TIMEOUT`], by test-name prefix:
/// smb2.maxfid opens tens of thousands of files (over a minute on a debug
/// smbkitd, under load); smb2.notify.mask sleeps 200 ms per filter bit it
/// tries (about 73 s in all).
const TIMEOUTS: &[(&str, Duration)] = &[
    ("smb2.maxfid", Duration::from_secs(300)),
    ("smb2.notify.mask", Duration::from_secs(150)),
];

/// One server's result for one test.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub outcome: Outcome,
    pub seconds: f64,
    /// The first line smbtorture gave as the reason of a failure or skip
    /// (file:line: message), or that the test was killed.
    pub detail: String,
    /// The test timed out.
    pub timed_out: bool,
}

/// What `cargo xtask conformance` was asked.
#[derive(Debug)]
struct Options {
    suites: Vec<String>,
    timeout: Option<Duration>,
}

fn parse(args: &[&str]) -> Result<Options, String> {
    let mut options = Options {
        suites: Vec::new(),
        timeout: None,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--suite" => {
                let suite = rest.next().ok_or("--suite needs a name (e.g. smb2.lock)")?;
                options.suites.push((*suite).to_owned());
            }
            "--timeout" => {
                let secs = rest
                    .next()
                    .and_then(|s| s.parse::<u64>().ok())
                    .filter(|s| *s > 0)
                    .ok_or("--timeout needs a number of seconds")?;
                options.timeout = Some(Duration::from_secs(secs));
            }
            other => return Err(format!("conformance: unknown argument `{other}`")),
        }
    }
    Ok(options)
}

/// The time limit for `test`.
fn timeout_for(test: &str, options: &Options) -> Duration {
    if let Some(timeout) = options.timeout {
        return timeout;
    }
    TIMEOUTS
        .iter()
        .find(|(prefix, _)| test.starts_with(prefix))
        .map_or(DEFAULT_TIMEOUT, |(_, timeout)| *timeout)
}

/// Every test `smbtorture --list` knows, with the doubled last component
/// stripped (it prints `smb2.connect.connect` for the test `smb2.connect`).
fn all_tests() -> Result<Vec<String>, String> {
    let list = output(Command::new("smbtorture").arg("--list"))?;
    Ok(list
        .lines()
        .map(str::trim_end)
        .filter(|l| l.starts_with("smb2."))
        .map(strip_doubled)
        .collect())
}

fn strip_doubled(line: &str) -> String {
    if let Some((head, last)) = line.rsplit_once('.')
        && let Some((_, before)) = head.rsplit_once('.')
        && before == last
    {
        return head.to_owned();
    }
    line.to_owned()
}

/// The tests of `suite`: itself when it is one test, else those below it.
pub fn expand<'a>(suite: &str, all: &'a [String]) -> Vec<&'a str> {
    let below = format!("{suite}.");
    all.iter()
        .map(String::as_str)
        .filter(|t| *t == suite || t.starts_with(&below))
        .collect()
}

pub fn run(args: &[&str]) -> Result<(), String> {
    let options = parse(args)?;
    let full = options.suites.is_empty();
    let suites: Vec<String> = if full {
        SUITES.iter().map(|s| (*s).to_owned()).collect()
    } else {
        options.suites.clone()
    };
    crate::peers::install_missing()?;
    samba::install_missing()?;
    let binary = torture::build_smbkitd()?;

    let all = all_tests()?;
    let mut plan: Vec<(String, Vec<String>)> = Vec::new();
    for suite in &suites {
        let tests = expand(suite, &all);
        if tests.is_empty() {
            return Err(format!("smbtorture --list has no test `{suite}`"));
        }
        plan.push((
            suite.clone(),
            tests.into_iter().map(str::to_owned).collect(),
        ));
    }
    let tests: Vec<String> = plan.iter().flat_map(|(_, t)| t.iter().cloned()).collect();
    println!(
        "==> conformance: {} tests in {} suites, against smbkitd and Samba",
        tests.len(),
        plan.len()
    );

    let target = target_dir()?;
    let started = Instant::now();
    let mut smbkitd = Peer::Smbkitd {
        running: Some(torture::start(&binary)?),
        binary,
    };
    let mut samba = Peer::Samba(Some(samba::start()?));
    let (tests, options, target) = (&tests, &options, &target);
    let (ours, theirs) = std::thread::scope(|scope| {
        let ours = scope.spawn(|| run_all(&mut smbkitd, tests, options, target));
        let theirs = scope.spawn(|| run_all(&mut samba, tests, options, target));
        (
            ours.join()
                .map_err(|_| "the smbkitd thread panicked".to_owned()),
            theirs
                .join()
                .map_err(|_| "the Samba thread panicked".to_owned()),
        )
    });
    drop((smbkitd, samba));
    let (ours, theirs) = (ours??, theirs??);
    let minutes = started.elapsed().as_secs_f64() / 60.0;

    let run = report::Run {
        args: args.join(" "),
        plan: &plan,
        ours: &ours,
        theirs: &theirs,
        minutes,
        samba_version: samba::version(),
        timeouts: match options.timeout {
            Some(timeout) => (timeout, &[]),
            None => (DEFAULT_TIMEOUT, TIMEOUTS),
        },
    };
    let tsv = target.join("conformance.tsv");
    std::fs::write(&tsv, report::tsv(&run)).map_err(|e| format!("{}: {e}", tsv.display()))?;
    let markdown = report::markdown(&run);
    let doc = if full {
        workspace_root().join("docs/compatibility.md")
    } else {
        target.join("conformance.md")
    };
    std::fs::write(&doc, markdown).map_err(|e| format!("{}: {e}", doc.display()))?;
    println!("{}", report::summary(&run));
    println!(
        "==> conformance: {minutes:.1} min; wrote {} and {}",
        doc.display(),
        tsv.display()
    );
    Ok(())
}

/// A server under test.
enum Peer {
    Smbkitd {
        running: Option<torture::Running>,
        binary: PathBuf,
    },
    Samba(Option<samba::Samba>),
}

/// A server that went down more often than this ends the run: the results
/// would say nothing.
const MAX_RESTARTS: usize = 5;

impl Peer {
    fn name(&self) -> &'static str {
        match self {
            Peer::Smbkitd { .. } => "smbkitd",
            Peer::Samba(_) => "samba",
        }
    }

    fn user(&self) -> &'static str {
        match self {
            Peer::Smbkitd { .. } => USER,
            Peer::Samba(_) => samba::UNIX_USER,
        }
    }

    fn addr(&self) -> Option<SocketAddr> {
        match self {
            Peer::Smbkitd { running, .. } => running.as_ref().map(|r| r.addr),
            Peer::Samba(samba) => samba.as_ref().map(|s| s.addr),
        }
    }

    fn alive(&mut self) -> bool {
        match self {
            Peer::Smbkitd { running, .. } => running
                .as_mut()
                .is_some_and(|r| matches!(r.child.try_wait(), Ok(None))),
            Peer::Samba(samba) => samba.as_mut().is_some_and(samba::Samba::alive),
        }
    }

    /// Stops what is left of the server (its share directory goes with it),
    /// then starts a fresh one.
    fn restart(&mut self) -> Result<(), String> {
        match self {
            Peer::Smbkitd { running, binary } => {
                *running = None;
                *running = Some(torture::start(binary)?);
            }
            Peer::Samba(samba) => {
                *samba = None;
                *samba = Some(samba::start()?);
            }
        }
        Ok(())
    }
}

/// Runs every test against `peer`; restarts it (and says so in the result)
/// when a test took it down, so that one crash does not fail the rest.
fn run_all(
    peer: &mut Peer,
    tests: &[String],
    options: &Options,
    target: &Path,
) -> Result<Vec<TestResult>, String> {
    let name = peer.name();
    let output = target.join(format!("conformance-{name}-output.txt"));
    // The whole smbtorture output of every test that did not pass.
    let logs = target.join("conformance-logs").join(name);
    let _ = std::fs::remove_dir_all(&logs);
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let mut results = Vec::with_capacity(tests.len());
    let mut restarts = 0;
    for test in tests {
        let addr = peer
            .addr()
            .ok_or_else(|| format!("{name} is not running"))?;
        let (mut result, log) = run_test(
            name,
            addr,
            peer.user(),
            test,
            &output,
            timeout_for(test, options),
        )?;
        if result.outcome != Outcome::Pass {
            let file = logs.join(format!("{}.txt", test.replace(' ', "_")));
            std::fs::write(&file, log).map_err(|e| format!("{}: {e}", file.display()))?;
        }
        if !peer.alive() {
            restarts += 1;
            if restarts > MAX_RESTARTS {
                return Err(format!("{name} went down {restarts} times; giving up"));
            }
            result.outcome = Outcome::Fail;
            result.detail = format!("{name} exited during the test; {}", result.detail);
            println!("    {name} exited during {test}: restarting it");
            peer.restart()?;
        }
        results.push(result);
    }
    Ok(results)
}

fn run_test(
    name: &str,
    addr: SocketAddr,
    user: &str,
    test: &str,
    output: &Path,
    timeout: Duration,
) -> Result<(TestResult, String), String> {
    let started = Instant::now();
    let (outcome, log) = torture::run_one(addr, user, PASSWORD, test, output, timeout)?;
    let seconds = started.elapsed().as_secs_f64();
    let timed_out = log.contains(KILLED);
    let detail = if timed_out {
        format!("killed after {} s", timeout.as_secs())
    } else if outcome == Outcome::Pass {
        String::new()
    } else {
        reason(&log)
    };
    let word = report::word(outcome);
    println!("    {name:>7} {word:>4} {seconds:5.1}s  {test}");
    Ok((
        TestResult {
            outcome,
            seconds,
            detail,
            timed_out,
        },
        log,
    ))
}

/// The first reason smbtorture printed for a failure, error or skip: the
/// line after `failure: name [`, else the last non-empty line.
fn reason(log: &str) -> String {
    let mut lines = log.lines();
    while let Some(line) = lines.next() {
        if ["failure: ", "error: ", "skip: "]
            .iter()
            .any(|p| line.starts_with(p))
        {
            let inline = line
                .split_once('[')
                .map(|(_, r)| r.trim().trim_end_matches(']').trim())
                .unwrap_or_default();
            let text = if inline.is_empty() {
                lines.next().unwrap_or_default()
            } else {
                inline
            };
            return clean(text);
        }
    }
    clean(
        log.lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no output"),
    )
}

/// One short line, safe in a TSV field and a Markdown table cell.
fn clean(text: &str) -> String {
    let text = text.trim().trim_start_matches("../../source4/torture/");
    let one: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace('|', "/");
    if one.chars().count() > 160 {
        let cut: String = one.chars().take(157).collect();
        format!("{cut}...")
    } else {
        one
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_names_lose_their_doubled_last_component() {
        assert_eq!(strip_doubled("smb2.connect.connect"), "smb2.connect");
        assert_eq!(
            strip_doubled("smb2.ioctl.bug14788.VALIDATE_NEGOTIATE.VALIDATE_NEGOTIATE"),
            "smb2.ioctl.bug14788.VALIDATE_NEGOTIATE"
        );
        assert_eq!(
            strip_doubled("smb2.ioctl.copy-chunk streams.copy-chunk streams"),
            "smb2.ioctl.copy-chunk streams"
        );
        assert_eq!(
            strip_doubled("smb2.lock.valid-request"),
            "smb2.lock.valid-request"
        );
    }

    #[test]
    fn a_suite_expands_to_its_tests_only() {
        let all: Vec<String> = [
            "smb2.ioctl.shadow_copy",
            "smb2.ioctl-on-stream",
            "smb2.ioctl.bug14788.VALIDATE_NEGOTIATE",
            "smb2.connect",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            expand("smb2.ioctl", &all),
            [
                "smb2.ioctl.shadow_copy",
                "smb2.ioctl.bug14788.VALIDATE_NEGOTIATE"
            ]
        );
        assert_eq!(expand("smb2.connect", &all), ["smb2.connect"]);
        assert!(expand("smb2.conn", &all).is_empty());
    }

    #[test]
    fn the_reason_is_the_line_after_the_failure() {
        let log = "test: invalid\ntime: x\nfailure: invalid [\n\
                   ../../source4/torture/smb2/read_write.c:233: status was A, expected B\n]\n";
        assert_eq!(
            reason(log),
            "smb2/read_write.c:233: status was A, expected B"
        );
        let log = "test: x\nskip: x [ not supported here ]\n";
        assert_eq!(reason(log), "not supported here");
        assert_eq!(reason("only\n\n"), "only");
    }

    #[test]
    fn arguments() {
        let o = parse(&[
            "--suite",
            "smb2.lock",
            "--suite",
            "smb2.rw",
            "--timeout",
            "5",
        ])
        .unwrap();
        assert_eq!(o.suites, ["smb2.lock", "smb2.rw"]);
        assert_eq!(o.timeout, Some(Duration::from_secs(5)));
        assert!(parse(&["--suite"]).is_err());
        assert!(parse(&["--timeout", "0"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
        assert_eq!(
            timeout_for("smb2.maxfid", &parse(&[]).unwrap()),
            Duration::from_secs(300)
        );
        assert_eq!(
            timeout_for("smb2.lock.valid-request", &parse(&[]).unwrap()),
            DEFAULT_TIMEOUT
        );
    }
}
