//! `cargo xtask`: the project's automation, in Rust so that it runs wherever
//! cargo runs.
//!
//! - `cargo xtask test`: installs what the tests need, then runs the format
//!   check, clippy with `-D warnings`, the licence/source policy and every
//!   test. This is the one test command; `.ci/run` runs exactly it.
//! - `cargo xtask bench crypto`: the crypto benchmarks, with the bare
//!   RustCrypto primitive beside each of ours, written to
//!   `docs/performance.md`.
//! - `cargo xtask bench server`: smbkitd against Samba's smbd on loopback
//!   through smbclient, written to `docs/performance.md`.
//! - `cargo xtask conformance [--suite NAME]…`: smbtorture's suites against
//!   smbkitd and against Samba in the same run, written to
//!   `docs/compatibility.md` and `target/conformance.tsv`.

mod bench;
mod bench_server;
mod cmd;
mod conformance;
mod fuzz;
mod net;
mod peers;
mod soak;
mod test;
mod torture;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test            install missing test tools, then fmt check, clippy -D warnings,
                  cargo-deny (licences, bans, sources) and all tests
  smbtorture      only the smbtorture conformance run (tests/smbtorture/)
  conformance [--suite NAME]... [--timeout SECS]
                  smbtorture suites against smbkitd and a Samba smbd started
                  beside it (needs root; installs samba when missing); writes
                  docs/compatibility.md (target/conformance.md with --suite)
                  and target/conformance.tsv. About 15 minutes for all
                  suites, so not part of `test`
  bench crypto    seal/unseal and signing benchmarks against the bare RustCrypto
                  primitives; prints a table and writes docs/performance.md
  soak [--minutes N] [--honest N] [--hostile N]
                  honest and hostile clients at once against a release smbkitd;
                  fails on an honest failure, a panic, or memory that keeps growing
  fuzz [--seconds N] [TARGET...]
                  replay the committed fuzz inputs, then run each cargo-fuzz target
                  for N s (default 60) when a nightly toolchain is present
  bench server [--rounds N] [--size-mib M]
                  smbkitd against Samba smbd (smbclient put/get, signed and
                  encrypted); prints a table and writes docs/performance.md
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["test", rest @ ..] => test::run(rest),
        ["bench", rest @ ..] => bench::run(rest),
        ["soak", rest @ ..] => soak::run(rest),
        ["conformance", rest @ ..] => conformance::run(rest),
        ["fuzz", rest @ ..] => fuzz::run(rest),
        ["smbtorture"] => peers::install_missing().and_then(|()| torture::run()),
        ["help" | "--help" | "-h"] | [] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        [other, ..] => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
