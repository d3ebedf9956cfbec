#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| smbkit_fuzz::krb5::run(data));
