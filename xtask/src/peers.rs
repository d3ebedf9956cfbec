//! The real SMB clients the interop and conformance tests run against
//! smbkitd, installed when missing so that a fresh machine needs nothing but
//! the Rust toolchain: smbclient and smbtorture from Debian, smbprotocol
//! from PyPI, and an MIT Kerberos KDC for the Kerberos tests.

use std::process::Command;

use crate::cmd::step;

/// Debian packages: `smbclient` (the smbclient binary), `samba-testsuite`
/// (smbtorture).
const APT_PACKAGES: [&str; 2] = ["smbclient", "samba-testsuite"];
/// PyPI packages: smbprotocol (its `smbclient` module drives the tests).
const PIP_PACKAGES: [&str; 1] = ["smbprotocol"];
/// Debian packages for the throwaway Kerberos realm (KDC, kadmin.local, kinit)
/// and for building python-gssapi (`smbprotocol[kerberos]`).
const KRB5_APT_PACKAGES: [&str; 5] = [
    "krb5-kdc",
    "krb5-admin-server",
    "krb5-user",
    "libkrb5-dev",
    "gcc",
];

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
    install_kerberos()
}

/// The MIT KDC tools and smbprotocol's Kerberos extra. The packages' postinst
/// writes /etc/krb5.conf; the tests never use it (they point KRB5_CONFIG at
/// their own realm), so a file that was not there before is removed again.
fn install_kerberos() -> Result<(), String> {
    let have_kdc = runs(
        "sh",
        &[
            "-c",
            "command -v krb5kdc && command -v kdb5_util && command -v kadmin.local && command -v kinit && command -v krb5-config",
        ],
    );
    if !have_kdc {
        let had_conf = std::path::Path::new("/etc/krb5.conf").exists();
        step(
            "apt-get update",
            Command::new("apt-get").args(["update", "-qq"]),
        )?;
        step(
            &format!("apt-get install {}", KRB5_APT_PACKAGES.join(" ")),
            Command::new("apt-get")
                .args(["install", "-y", "-qq", "--no-install-recommends"])
                .args(KRB5_APT_PACKAGES)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
        if !had_conf {
            let _ = std::fs::remove_file("/etc/krb5.conf");
        }
    }
    if !runs("python3", &["-c", "import gssapi, krb5"]) {
        step(
            "pip install smbprotocol[kerberos]",
            Command::new("python3").args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "smbprotocol[kerberos]",
            ]),
        )?;
    }
    Ok(())
}
