//! Writes the synthetic seeds of the `krb5` target to `corpus/krb5/`:
//! `cargo run --release --example krb5_seeds`.

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/krb5");
    std::fs::create_dir_all(&dir)?;
    for (i, seed) in smbkit_fuzz::krb5::seeds().iter().enumerate() {
        std::fs::write(dir.join(format!("synthetic-{i}")), seed)?;
    }
    Ok(())
}
