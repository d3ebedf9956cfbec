//! Server-side copy through IOCTL: resume keys, FSCTL_SRV_COPYCHUNK(_WRITE),
//! limits, access, ranges past the source's end, overlap in one file
//! (MS-SMB2 3.3.5.15.5, 3.3.5.15.6).

use super::*;
use smbkit_wire::create::disposition;
use smbkit_wire::fsctl::{self, Chunk, CopychunkCopy, CopychunkResponse, ResumeKeyResponse};
use smbkit_wire::ioctl::{FLAG_IS_FSCTL, IoctlRequest, IoctlResponse};

impl Env {
    pub(super) async fn ioctl(
        &self,
        code: u32,
        fid: FileId,
        input: &[u8],
        max_out: u32,
    ) -> Response {
        let req = IoctlRequest {
            ctl_code: code,
            file_id: fid,
            input,
            max_output_response: max_out,
            flags: FLAG_IS_FSCTL,
            ..IoctlRequest::default()
        };
        self.send(Command::IOCTL, message(Command::IOCTL, &req))
            .await
    }

    async fn resume_key(&self, fid: FileId) -> [u8; 24] {
        let r = self
            .ioctl(fsctl::SRV_REQUEST_RESUME_KEY, fid, &[], 32)
            .await;
        assert_eq!(r.status, NtStatus::SUCCESS);
        let out = ioctl_output(&r);
        assert_eq!(out.len(), 32);
        ResumeKeyResponse::decode(&out).unwrap().key
    }

    async fn copy(
        &self,
        code: u32,
        dest: FileId,
        key: [u8; 24],
        chunks: &[(u64, u64, u32)],
    ) -> Response {
        let copy = CopychunkCopy {
            source_key: key,
            chunks: chunks
                .iter()
                .map(|&(s, t, l)| Chunk {
                    source_offset: s,
                    target_offset: t,
                    length: l,
                })
                .collect(),
        };
        let mut input = Vec::new();
        copy.encode(&mut input).unwrap();
        self.ioctl(code, dest, &input, 12).await
    }
}

/// The output buffer of an IOCTL response.
pub(super) fn ioctl_output(r: &Response) -> Vec<u8> {
    let msg = with_header_cmd(&r.body, Command::IOCTL);
    IoctlResponse::decode(&msg).unwrap().output.to_vec()
}

fn copied(r: &Response) -> CopychunkResponse {
    CopychunkResponse::decode(&ioctl_output(r)).unwrap()
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| u8::try_from(i % 251).unwrap()).collect()
}

async fn file_with(e: &Env, name: &str, data: &[u8], desired: u32) -> FileId {
    let f = e
        .create(name, RW, disposition::OVERWRITE_IF, 0)
        .await
        .unwrap();
    if !data.is_empty() {
        assert_eq!(e.write(f.file_id, 0, data).await.status, NtStatus::SUCCESS);
    }
    if desired == RW {
        return f.file_id;
    }
    e.close(f.file_id).await;
    e.create(name, desired, disposition::OPEN, 0)
        .await
        .unwrap()
        .file_id
}

async fn read_all(e: &Env, fid: FileId, len: u32) -> Vec<u8> {
    let r = e.read(fid, 0, len, 0).await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let msg = with_header_cmd(&r.body, Command::READ);
    smbkit_wire::read::ReadResponse::decode(&msg)
        .unwrap()
        .data
        .to_vec()
}

#[tokio::test]
async fn resume_key_is_stable_and_sized() {
    let e = env();
    let f = file_with(&e, "src", b"abc", RW).await;
    let k1 = e.resume_key(f).await;
    assert_eq!(k1, e.resume_key(f).await, "same open, same key");
    let g = file_with(&e, "other", b"", RW).await;
    assert_ne!(k1, e.resume_key(g).await);
    let r = e.ioctl(fsctl::SRV_REQUEST_RESUME_KEY, f, &[], 31).await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    e.close(f).await;
    let r = e.ioctl(fsctl::SRV_REQUEST_RESUME_KEY, f, &[], 32).await;
    assert_eq!(r.status, NtStatus::FILE_CLOSED);
}

#[tokio::test]
async fn copy_chunks_then_read_back() {
    let e = env();
    let data = pattern(8192);
    let src = file_with(&e, "src", &data, RW).await;
    let dst = file_with(&e, "dst", b"", RW).await;
    let key = e.resume_key(src).await;
    // Two chunks, the second appended after a hole-free first.
    let r = e
        .copy(
            fsctl::SRV_COPYCHUNK,
            dst,
            key,
            &[(0, 0, 4096), (4096, 4096, 4096)],
        )
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    assert_eq!(
        copied(&r),
        CopychunkResponse {
            chunks_written: 2,
            chunk_bytes_written: 0,
            total_bytes_written: 8192
        }
    );
    assert_eq!(read_all(&e, dst, 8192).await, data);
    // A chunk past the destination's end leaves zeros before it.
    let r = e
        .copy(fsctl::SRV_COPYCHUNK, dst, key, &[(0, 12288, 100)])
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let all = read_all(&e, dst, 20000).await;
    assert_eq!(all.len(), 12388);
    assert!(all[8192..12288].iter().all(|b| *b == 0));
    assert_eq!(&all[12288..], &data[..100]);
}

#[tokio::test]
async fn limits_answer_with_the_limits() {
    let e = env();
    let src = file_with(&e, "src", &pattern(4096), RW).await;
    let dst = file_with(&e, "dst", b"", RW).await;
    let key = e.resume_key(src).await;
    let limits = CopychunkResponse {
        chunks_written: 256,
        chunk_bytes_written: 1 << 20,
        total_bytes_written: 16 << 20,
    };
    for chunks in [
        vec![(0, 0, u32::MAX)],
        vec![(0, 0, 0)],
        vec![(0, 0, 1); 257],
        vec![(0, 0, 1 << 20); 17],
    ] {
        let r = e.copy(fsctl::SRV_COPYCHUNK, dst, key, &chunks).await;
        assert_eq!(r.status, NtStatus::INVALID_PARAMETER, "{}", chunks.len());
        assert_eq!(copied(&r), limits);
    }
    // Nothing was written.
    assert_eq!(e.read(dst, 0, 10, 0).await.status, NtStatus::END_OF_FILE);
    // An input cut inside its chunk list.
    let mut input = Vec::new();
    CopychunkCopy {
        source_key: key,
        chunks: vec![Chunk::default(); 2],
    }
    .encode(&mut input)
    .unwrap();
    let r = e
        .ioctl(fsctl::SRV_COPYCHUNK, dst, &input[..input.len() - 4], 12)
        .await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    assert_eq!(copied(&r), limits);
    // MaxOutputResponse too small for the answer: a plain error.
    let r = e.ioctl(fsctl::SRV_COPYCHUNK, dst, &input, 11).await;
    assert_eq!(r.status, NtStatus::INVALID_PARAMETER);
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn bad_or_dead_keys_are_not_found() {
    let e = env();
    let src = file_with(&e, "src", &pattern(100), RW).await;
    let dst = file_with(&e, "dst", b"", RW).await;
    let r = e
        .copy(fsctl::SRV_COPYCHUNK, dst, [0xde; 24], &[(0, 0, 10)])
        .await;
    assert_eq!(r.status, NtStatus::OBJECT_NAME_NOT_FOUND);
    let key = e.resume_key(src).await;
    e.close(src).await;
    let r = e.copy(fsctl::SRV_COPYCHUNK, dst, key, &[(0, 0, 10)]).await;
    assert_eq!(r.status, NtStatus::OBJECT_NAME_NOT_FOUND);
    // The destination handle is looked up first.
    e.close(dst).await;
    let r = e.copy(fsctl::SRV_COPYCHUNK, dst, key, &[(0, 0, 10)]).await;
    assert_eq!(r.status, NtStatus::FILE_CLOSED);
}

#[tokio::test]
async fn access_rules() {
    let e = env();
    let data = pattern(4096);
    let read_attr = access::FILE_READ_ATTRIBUTES;
    // Source without read or execute.
    let src = file_with(&e, "src", &data, read_attr | access::FILE_WRITE_DATA).await;
    let dst = file_with(&e, "dst", b"", RW).await;
    let key = e.resume_key(src).await;
    let r = e
        .copy(fsctl::SRV_COPYCHUNK, dst, key, &[(0, 0, 4096)])
        .await;
    assert_eq!(r.status, NtStatus::ACCESS_DENIED);
    // Source with execute only is enough.
    let src2 = file_with(&e, "src", &data, read_attr | access::FILE_EXECUTE).await;
    let key2 = e.resume_key(src2).await;
    let r = e
        .copy(fsctl::SRV_COPYCHUNK, dst, key2, &[(0, 0, 4096)])
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    // Destination without write.
    let ro = file_with(&e, "ro", b"", read_attr | access::FILE_READ_DATA).await;
    let r = e
        .copy(fsctl::SRV_COPYCHUNK, ro, key2, &[(0, 0, 4096)])
        .await;
    assert_eq!(r.status, NtStatus::ACCESS_DENIED);
    // Destination without read: COPYCHUNK refuses, COPYCHUNK_WRITE copies.
    let wo = file_with(&e, "wo", b"", read_attr | access::FILE_WRITE_DATA).await;
    let r = e
        .copy(fsctl::SRV_COPYCHUNK, wo, key2, &[(0, 0, 4096)])
        .await;
    assert_eq!(r.status, NtStatus::ACCESS_DENIED);
    let r = e
        .copy(fsctl::SRV_COPYCHUNK_WRITE, wo, key2, &[(0, 0, 4096)])
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    assert_eq!(copied(&r).total_bytes_written, 4096);
}

#[tokio::test]
async fn past_the_source_end_reports_progress() {
    let e = env();
    let data = pattern(8192);
    let src = file_with(&e, "src", &data, RW).await;
    let dst = file_with(&e, "dst", b"", RW).await;
    let key = e.resume_key(src).await;
    let r = e
        .copy(
            fsctl::SRV_COPYCHUNK,
            dst,
            key,
            &[(0, 0, 4096), (4096, 4096, 8192)],
        )
        .await;
    assert_eq!(r.status, NtStatus::INVALID_VIEW_SIZE);
    assert_eq!(
        copied(&r),
        CopychunkResponse {
            chunks_written: 1,
            chunk_bytes_written: 0,
            total_bytes_written: 4096
        }
    );
    assert_eq!(read_all(&e, dst, 8192).await, &data[..4096]);
    // Offset + length overflowing u64 is the same error, not a panic.
    let r = e
        .copy(fsctl::SRV_COPYCHUNK, dst, key, &[(u64::MAX, 0, 10)])
        .await;
    assert_eq!(r.status, NtStatus::INVALID_VIEW_SIZE);
}

#[tokio::test]
async fn overlap_within_one_file_copies_the_old_bytes() {
    let e = env();
    let data = pattern(4096);
    let f = file_with(&e, "f", &data, RW).await;
    let key = e.resume_key(f).await;
    let r = e
        .copy(fsctl::SRV_COPYCHUNK, f, key, &[(0, 2040, 2048)])
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    let all = read_all(&e, f, 8192).await;
    assert_eq!(&all[..2040], &data[..2040]);
    assert_eq!(&all[2040..4088], &data[..2048]);
}

#[tokio::test]
async fn directories_and_pipes_cannot_copy() {
    let e = env();
    let src = file_with(&e, "src", &pattern(10), RW).await;
    let key = e.resume_key(src).await;
    let d = e
        .create(
            "d",
            RW,
            disposition::CREATE,
            smbkit_wire::create::flags::options::DIRECTORY_FILE,
        )
        .await
        .unwrap();
    let r = e
        .copy(fsctl::SRV_COPYCHUNK, d.file_id, key, &[(0, 0, 10)])
        .await;
    assert_eq!(r.status, NtStatus::INVALID_DEVICE_REQUEST);
}

/// Locks (or unlocks) one range through `fid` with LOCK.
async fn lock_range(e: &Env, fid: FileId, offset: u64, length: u64, flags: u32) -> NtStatus {
    use smbkit_wire::lock::{LockElement, LockRequest};
    let req = LockRequest {
        lock_sequence: 0,
        file_id: fid,
        locks: vec![LockElement {
            offset,
            length,
            flags,
        }],
    };
    e.send(Command::LOCK, message(Command::LOCK, &req))
        .await
        .status
}

#[tokio::test]
async fn byte_range_locks_of_other_opens_stop_the_copy() {
    use smbkit_wire::lock::flags;
    let lock = flags::EXCLUSIVE_LOCK | flags::FAIL_IMMEDIATELY;
    let e = env();
    let data = pattern(4096);
    let src = file_with(&e, "src", &data, RW).await;
    let dst = file_with(&e, "dst", &data, RW).await;
    let key = e.resume_key(src).await;
    // Another open of the source locks the range being read.
    let src2 = e
        .create("src", RW, disposition::OPEN, 0)
        .await
        .unwrap()
        .file_id;
    assert_eq!(lock_range(&e, src2, 0, 4096, lock).await, NtStatus::SUCCESS);
    let r = e
        .copy(fsctl::SRV_COPYCHUNK, dst, key, &[(0, 0, 4096)])
        .await;
    assert_eq!(r.status, NtStatus::FILE_LOCK_CONFLICT);
    assert_eq!(copied(&r), CopychunkResponse::default());
    assert_eq!(
        lock_range(&e, src2, 0, 4096, flags::UNLOCK).await,
        NtStatus::SUCCESS
    );
    let r = e
        .copy(fsctl::SRV_COPYCHUNK, dst, key, &[(0, 0, 4096)])
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
    // Another open of the destination locks the range being written.
    let dst2 = e
        .create("dst", RW, disposition::OPEN, 0)
        .await
        .unwrap()
        .file_id;
    assert_eq!(lock_range(&e, dst2, 0, 4096, lock).await, NtStatus::SUCCESS);
    let r = e
        .copy(fsctl::SRV_COPYCHUNK, dst, key, &[(0, 0, 4096)])
        .await;
    assert_eq!(r.status, NtStatus::FILE_LOCK_CONFLICT);
    // The destination's own lock does not stop it.
    let r = e
        .copy(fsctl::SRV_COPYCHUNK, dst2, key, &[(0, 0, 4096)])
        .await;
    assert_eq!(r.status, NtStatus::SUCCESS);
}
