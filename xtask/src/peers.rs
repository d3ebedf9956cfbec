//! The real SMB clients the interop and conformance tests run against
//! smbkitd, installed when missing so that a fresh machine needs nothing but
//! the Rust toolchain: smbclient and smbtorture from Debian, smbprotocol
//! from PyPI.

use std::process::Command;

use crate::cmd::step;

/// Debian packages: `smbclient` (the smbclient binary), `samba-testsuite`
/// (smbtorture).
const APT_PACKAGES: [&str; 2] = ["smbclient", "samba-testsuite"];
/// PyPI packages: smbprotocol (its `smbclient` module drives the tests).
const PIP_PACKAGES: [&str; 1] = ["smbprotocol"];

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|out| out.status.success())
}

pub fn install_missing() -> Result<(), String> {
    let have_apt_peers = runs("smbclient", &["--version"]) && runs("smbtorture", &["--version"]);
    if !have_apt_peers {
        if !runs("apt-get", &["--version"]) {
            return Err(
                "smbclient/smbtorture are missing and apt-get is not available: \
                        install the Debian packages smbclient and samba-testsuite"
                    .to_owned(),
            );
        }
        step(
            "apt-get update",
            Command::new("apt-get").args(["update", "-qq"]),
        )?;
        step(
            &format!("apt-get install {}", APT_PACKAGES.join(" ")),
            Command::new("apt-get")
                .args(["install", "-y", "-qq", "--no-install-recommends"])
                .args(APT_PACKAGES)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
    }
    if !runs("python3", &["-c", "import smbclient, smbprotocol"]) {
        step(
            &format!("pip install {}", PIP_PACKAGES.join(" ")),
            Command::new("python3")
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(PIP_PACKAGES),
        )?;
    }
    Ok(())
}
