//! Runs inputs through one target outside libFuzzer, for triage:
//! `cargo run --release --example replay -- TARGET FILE...`
//! (`SMBKIT_FUZZ_TRACE=1` makes the session target print each answer).

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(target) = args.next() else {
        eprintln!("usage: replay TARGET FILE...");
        std::process::exit(2);
    };
    let run: fn(&[u8]) = match target.as_str() {
        "wire_pdu" => smbkit_fuzz::wire_pdu::run,
        "compound" => smbkit_fuzz::compound::run,
        "transform" => smbkit_fuzz::transform::run,
        "ntlm" => smbkit_fuzz::ntlm::run,
        "spnego" => smbkit_fuzz::spnego::run,
        "rpc_pdu" => smbkit_fuzz::rpc_pdu::run,
        "rpc_pipe" => smbkit_fuzz::rpc_pipe::run,
        "session" => smbkit_fuzz::session::run,
        "krb5" => smbkit_fuzz::krb5::run,
        other => {
            eprintln!("unknown target {other}");
            std::process::exit(2);
        }
    };
    for path in args {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        eprintln!("== {path}");
        run(&data);
    }
}
