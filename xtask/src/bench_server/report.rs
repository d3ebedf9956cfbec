//! The table and the section of docs/performance.md.

use super::*;

/// MB/s (10^6 bytes per second).
pub(super) fn mb_per_s(bytes: u64, seconds: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let bytes = bytes as f64;
    bytes / 1e6 / seconds
}

pub(super) fn table(samples: &[Sample], bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let gib = bytes as f64 / f64::from(1u32 << 30);
    let mut out = String::from(
        "| operation | smbkitd MB/s | Samba MB/s | ratio | smbkitd CPU s/GiB | Samba CPU s/GiB |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    // One row per (protection, operation), in the order measured.
    let mut rows: Vec<(&str, &str)> = Vec::new();
    for s in samples {
        if !rows.contains(&(s.protection, s.op)) {
            rows.push((s.protection, s.op));
        }
    }
    {
        for (protection, op) in rows {
            let pick = |server: &str| -> Vec<&Sample> {
                samples
                    .iter()
                    .filter(|s| s.protection == protection && s.op == op && s.server == server)
                    .collect()
            };
            let ours = pick("smbkitd");
            let theirs = pick("Samba");
            let mut ours_mbs: Vec<f64> = ours.iter().map(|s| mb_per_s(bytes, s.wall)).collect();
            let mut theirs_mbs: Vec<f64> = theirs.iter().map(|s| mb_per_s(bytes, s.wall)).collect();
            // Ratio per round (both servers measured back to back), then
            // the median.
            let mut ratio: Vec<f64> = ours
                .iter()
                .filter_map(|o| {
                    theirs
                        .iter()
                        .find(|t| t.round == o.round)
                        .map(|t| t.wall / o.wall)
                })
                .collect();
            let mut ours_cpu: Vec<f64> = ours.iter().map(|s| s.cpu / gib).collect();
            let mut theirs_cpu: Vec<f64> = theirs.iter().map(|s| s.cpu / gib).collect();
            let _ = writeln!(
                out,
                "| {op} ({protection}) | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} |",
                median(&mut ours_mbs),
                median(&mut theirs_mbs),
                median(&mut ratio),
                median(&mut ours_cpu),
                median(&mut theirs_cpu),
            );
        }
    }
    out
}

pub(super) fn section(
    table: &str,
    rounds: usize,
    size_mib: u64,
    command: &str,
) -> Result<String, String> {
    let machine = machine()?;
    let smbd = output(Command::new("smbd").arg("--version"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned());
    let smbclient = output(Command::new("smbclient").arg("--version"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned());
    Ok(format!(
        "{SECTION}\n\n\
         Measured with `{command}`, which rewrites this section.\n\n\
         smbkitd (release build) and Samba's smbd run side by side on 127.0.0.1, each serving a\n\
         directory on /dev/shm to one user. The client is Samba's smbclient, SMB 3.1.1\n\
         (`-m SMB3_11`): `put` of one {size_mib} MiB random file (itself on tmpfs, so in memory) to\n\
         the share, then `get` of it to /dev/null. Two configurations: `sign`\n\
         (`--client-protection=sign`: signed, not encrypted) and `encrypt`\n\
         (`--client-protection=encrypt`, AES-128-GCM: smbkitd offers only\n\
         `ciphers = [\"AES-128-GCM\"]`; Samba runs with `server smb encrypt = desired` and its\n\
         default cipher order, and smbstatus confirmed it negotiated AES-128-GCM). Samba runs with\n\
         `server signing = mandatory`, and `server smb encrypt = off` for `sign`. The servers\n\
         alternate (smbkitd put, get, Samba put, get) for {rounds} round(s), after one untimed put\n\
         to each (the first write of a run into tmpfs is much slower, on both servers); each cell\n\
         is the median over the rounds. MB/s = 10^6 bytes per second of wall time of the whole smbclient run\n\
         (connect, session setup, transfer, logoff); ratio = median over rounds of smbkitd MB/s /\n\
         Samba MB/s in the same round (above 1 = smbkitd faster). Server CPU is user + system\n\
         time of the server for that transfer, per GiB moved: for smbkitd its process's\n\
         utime + stime from /proc/PID/stat; for Samba that of the per-connection smbd child, read\n\
         as the growth of the parent's cutime + cstime once the child has exited. The client\n\
         and both servers share the same cores.\n\n\
         Rows `write ×16` and `read ×16` come from `smbkit-load` (this repository's pipelined\n\
         generator, `tests/src/bin/smbkit-load.rs`): one SMB 3.1.1 connection writes the\n\
         {size_mib} MiB file with 16 WRITEs of 1 MiB in flight, then reads it back the same way,\n\
         signed (`sign`) or sealed with the cipher named, which the generator offers alone. Its\n\
         time runs from the first request to the last response; smbclient, by contrast, waits for\n\
         each WRITE before sending the next. smbkitd offers all four ciphers here; Samba runs with\n\
         `server smb encrypt = desired` and its default cipher list for these rows.\n\n\
         The second table also comes from `smbkit-load`, signed, under the `sign` configuration:\n\
         10,000 files of 4 KiB created (create, write, close), stat'ed (open for attributes, close\n\
         with POSTQUERY_ATTRIB), listed (FileIdBothDirectoryInformation, 64 KiB responses) and\n\
         deleted (open with DELETE_ON_CLOSE, close) over 4 connections; 2,000 connection setups\n\
         (TCP connect, negotiate, NTLMv2 session setup, tree connect), 2 at a time; 256\n\
         connections each reading 4 KiB at random offsets of a 64 MiB file, one READ at a time,\n\
         for 10 s (reads/s, and the 99th percentile latency of one READ); and the growth of the\n\
         server's proportional set size (PSS, from /proc/PID/smaps_rollup, summed over Samba's\n\
         processes) with 100 idle signed-in connections (per connection) and with 1,000 open\n\
         files on one connection (per handle), measured once, first thing, on servers that have\n\
         served nothing yet. Ratio above 1 favours smbkitd (for latency and\n\
         memory it is Samba / smbkitd).\n\n\
         - machine: {machine}\n\
         - Samba: smbd {smbd}, smbclient {smbclient}\n\n\
         {table}"
    ))
}

/// `doc` with the section starting at the line `heading` replaced by
/// `section` (up to the next `## ` heading or the end), or with `section`
/// appended when there is none.
pub fn replace_section(doc: &str, heading: &str, section: &str) -> String {
    let section = section.trim_end();
    let start = doc
        .match_indices(heading)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || doc.get(..i).is_some_and(|b| b.ends_with('\n')));
    match start {
        Some(start) => {
            let before = doc.get(..start).unwrap_or_default();
            let rest = doc.get(start + heading.len()..).unwrap_or_default();
            let after = rest
                .find("\n## ")
                .and_then(|i| rest.get(i + 1..))
                .unwrap_or_default();
            if after.is_empty() {
                format!("{before}{section}\n")
            } else {
                format!("{before}{section}\n\n{after}")
            }
        }
        None => format!("{}\n\n{section}\n", doc.trim_end()),
    }
}
