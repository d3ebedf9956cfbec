//! IOCTL answers: DFS referrals, network interfaces, unknown FSCTLs.

use super::*;
use smbkit_wire::create::disposition;

#[tokio::test]
async fn ioctl_answers() {
    use smbkit_wire::ioctl::{FLAG_IS_FSCTL, IoctlRequest};
    let e = env();
    let io = |code: u32, fid: FileId| IoctlRequest {
        ctl_code: code,
        file_id: fid,
        max_output_response: 1024,
        flags: FLAG_IS_FSCTL,
        ..IoctlRequest::default()
    };
    let r = e
        .send(
            Command::IOCTL,
            message(
                Command::IOCTL,
                &io(smbkit_wire::fsctl::DFS_GET_REFERRALS, FileId::ANY),
            ),
        )
        .await;
    assert_eq!(r.status, NtStatus::FS_DRIVER_REQUIRED);
    let r = e
        .send(
            Command::IOCTL,
            message(
                Command::IOCTL,
                &io(
                    smbkit_wire::fsctl::QUERY_NETWORK_INTERFACE_INFO,
                    FileId::ANY,
                ),
            ),
        )
        .await;
    assert_eq!(r.status, NtStatus::NOT_SUPPORTED);
    let r = e
        .send(
            Command::IOCTL,
            message(
                Command::IOCTL,
                &io(
                    0x0009_00A8,
                    FileId {
                        persistent: 1,
                        volatile: 2,
                    },
                ),
            ),
        )
        .await;
    assert_eq!(r.status, NtStatus::FILE_CLOSED);
    let f = e.create("f", RW, disposition::CREATE, 0).await.unwrap();
    let r = e
        .send(
            Command::IOCTL,
            message(Command::IOCTL, &io(0x0009_00A8, f.file_id)),
        )
        .await;
    assert_eq!(r.status, NtStatus::INVALID_DEVICE_REQUEST);
}
