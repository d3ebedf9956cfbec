//! Replays every committed input through its target on stable Rust: the
//! regressions (`regressions/<target>/`, inputs that once crashed a target)
//! and the seed corpus (`corpus/<target>/`). `cargo test` here is what keeps
//! a fixed finding fixed.

use std::fs;
use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 9] = [
    ("wire_pdu", smbkit_fuzz::wire_pdu::run),
    ("compound", smbkit_fuzz::compound::run),
    ("transform", smbkit_fuzz::transform::run),
    ("ntlm", smbkit_fuzz::ntlm::run),
    ("spnego", smbkit_fuzz::spnego::run),
    ("rpc_pdu", smbkit_fuzz::rpc_pdu::run),
    ("rpc_pipe", smbkit_fuzz::rpc_pipe::run),
    ("session", smbkit_fuzz::session::run),
    ("krb5", smbkit_fuzz::krb5::run),
];

fn replay(dir: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut count = 0;
    for (name, run) in TARGETS {
        let Ok(entries) = fs::read_dir(root.join(name)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            let data = fs::read(&path).unwrap();
            eprintln!("{name}: {}", path.display());
            run(&data);
            count += 1;
        }
    }
    count
}

#[test]
fn regressions_stay_fixed() {
    replay("regressions");
}

#[test]
fn seed_corpus_passes() {
    let n = replay("corpus");
    assert!(n > 0, "the seed corpus is committed");
}

#[test]
fn empty_and_tiny_inputs() {
    for (_, run) in TARGETS {
        for len in 0..4 {
            for byte in [0u8, 1, 0x7f, 0x80, 0xff] {
                run(&vec![byte; len]);
            }
        }
    }
}

#[test]
fn krb5_seed_reaches_a_sign_in() {
    // Otherwise the target would only ever fuzz the refusals.
    let seed = &smbkit_fuzz::krb5::seeds()[0];
    assert!(smbkit_fuzz::krb5::accept(&seed[1..]));
}
