//! `transform`: the SMB 3 TRANSFORM_HEADER and the unseal path of
//! smbkit-seal, for all four ciphers.
//!
//! Input: one byte choosing the cipher (low two bits) and a mode (bit 2),
//! then the bytes. Mode 0 treats the bytes as a received frame: the header
//! is parsed and the frame unsealed with a fixed key (which must fail unless
//! the frame really was sealed with it). Mode 1 treats them as a plaintext:
//! seal → unseal must give it back, and any flipped byte must be refused.

use smbkit_seal::{
    Cipher, DecryptionKey, EncryptionKey, TRANSFORM_HEADER_LEN, TransformHeader, UnsealError,
};

/// The fixed key of the harness (32 bytes; AES-128 uses the first 16).
const KEY: [u8; 32] = [0x5c; 32];

fn cipher(selector: u8) -> Cipher {
    match selector & 3 {
        0 => Cipher::Aes128Ccm,
        1 => Cipher::Aes128Gcm,
        2 => Cipher::Aes256Ccm,
        _ => Cipher::Aes256Gcm,
    }
}

fn key(cipher: Cipher) -> &'static [u8] {
    KEY.get(..cipher.key_len()).expect("key_len is 16 or 32")
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let cipher = cipher(selector);
    let dec = DecryptionKey::new(cipher, key(cipher)).expect("a key of the right length");
    if selector & 4 == 0 {
        received(&dec, rest);
    } else {
        let enc = EncryptionKey::new(cipher, key(cipher)).expect("a key of the right length");
        round_trip(&enc, &dec, rest);
    }
}

fn received(dec: &DecryptionKey, frame: &[u8]) {
    if let Ok(header) = TransformHeader::parse(frame) {
        let _ = (
            header.session_id(),
            header.original_message_size(),
            header.flags(),
        );
        assert_eq!(&header.as_bytes()[..], &frame[..TRANSFORM_HEADER_LEN]);
        let _ = header.aead_nonce(dec.cipher());
    }
    let mut copy = frame.to_vec();
    if let Ok(plain) = dec.unseal_frame(&mut copy) {
        let declared = TransformHeader::parse(frame)
            .expect("an unsealed frame has a header")
            .original_message_size();
        assert_eq!(plain.len() as u64, u64::from(declared), "plaintext length");
    }
    if let Some((header, message)) = frame.split_at_checked(TRANSFORM_HEADER_LEN) {
        let mut message = message.to_vec();
        let _ = dec.unseal_in_place(header, &mut message);
    }
}

fn round_trip(enc: &EncryptionKey, dec: &DecryptionKey, plaintext: &[u8]) {
    let session_id = 0x0000_4400_0000_0011;
    let mut frame = vec![0u8; TRANSFORM_HEADER_LEN];
    frame.extend_from_slice(plaintext);
    match enc.seal_frame(session_id, &mut frame) {
        Ok(()) => {}
        Err(_) if plaintext.is_empty() => return,
        Err(e) => panic!("sealing {} bytes failed: {e}", plaintext.len()),
    }
    let header = TransformHeader::parse(&frame).expect("a sealed frame parses");
    assert_eq!(header.session_id(), session_id);
    assert_eq!(header.original_message_size() as usize, plaintext.len());
    let mut copy = frame.clone();
    assert_eq!(
        dec.unseal_frame(&mut copy).ok().map(|p| p.to_vec()),
        Some(plaintext.to_vec())
    );
    // Flip one byte, chosen by the input, anywhere after the ProtocolId.
    let index = 4 + plaintext.first().map_or(0, |&b| usize::from(b)) % (frame.len() - 4);
    let mut tampered = frame.clone();
    tampered[index] ^= 0x01;
    let refused = dec.unseal_frame(&mut tampered);
    assert!(
        refused.is_err(),
        "a tampered frame (byte {index}) was accepted"
    );
    if let Err(e) = refused {
        // Flags and OriginalMessageSize are checked before the tag.
        let _: UnsealError = e;
    }
}
