//! Replays the published Windows SMB 3.x sessions through the crypto crates
//! together, the way a client and a server use them: the preauth hash is
//! computed from the captured packets, the keys are derived from it by role,
//! the final SESSION_SETUP response verifies with the derived signing key,
//! and the captured encrypted READ/WRITE traffic opens with the derived keys
//! of the side that receives it.
//!
//! The data file is a copy of the project's vector collection
//! (`tests/data/README.md` names the source of every entry).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde::Deserialize;
use smbkit_kdf::{CipherKeyLen, Derivation, PreauthIntegrity, Role, SessionKeys};
use smbkit_seal::{Cipher, DecryptionKey, EncryptionKey, TRANSFORM_HEADER_LEN, TransformHeader};
use smbkit_sign::{Signer, SigningAlgorithm};

const VECTORS: &str = include_str!("data/smb-crypto-vectors.toml");

#[derive(Deserialize)]
struct Vectors {
    smb3_keys: Vec<Keys>,
    preauth_chain: Vec<Chain>,
    smb2_signing: Vec<Signed>,
    smb3_transform: Vec<Transform>,
}

#[derive(Deserialize)]
struct Keys {
    id: String,
    dialect: String,
    session_key: String,
    signing_key: String,
    client_encryption_key: Option<String>,
    client_decryption_key: Option<String>,
    application_key: Option<String>,
}

#[derive(Deserialize)]
struct Chain {
    id: String,
    messages: Vec<String>,
}

#[derive(Deserialize)]
struct Signed {
    id: String,
    algorithm: String,
    message: String,
}

#[derive(Deserialize)]
struct Transform {
    id: String,
    cipher: String,
    direction: String,
    plaintext: String,
    transformed: String,
}

fn vectors() -> Vectors {
    toml::from_str(VECTORS).expect("vector file parses")
}

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("valid hex")
}

fn cipher_named(name: &str) -> Cipher {
    Cipher::ALL
        .into_iter()
        .find(|c| c.name() == name)
        .unwrap_or_else(|| panic!("unknown cipher {name}"))
}

/// A published session: its id, dialect, cipher, and the chain of packets
/// that leads to its keys (3.1.1 only).
struct Session {
    id: &'static str,
    cipher: Cipher,
    chain: Option<&'static str>,
}

const SESSIONS: [Session; 4] = [
    Session {
        id: "ms-blog-smb300",
        cipher: Cipher::Aes128Ccm,
        chain: None,
    },
    Session {
        id: "ms-blog-smb311-gcm",
        cipher: Cipher::Aes128Gcm,
        chain: Some("ms-blog-smb311-gcm"),
    },
    Session {
        id: "ms-blog-smb311-ccm",
        cipher: Cipher::Aes128Ccm,
        chain: Some("ms-blog-smb311-ccm"),
    },
    Session {
        id: "ms-anatomy-smb311-master",
        cipher: Cipher::Aes128Gcm,
        chain: Some("ms-anatomy-smb311-master"),
    },
];

/// Both sides' keys for a published session, derived from its session key
/// and (3.1.1) from the preauth hash of its own packets.
fn derive_both(v: &Vectors, session: &Session) -> (SessionKeys, SessionKeys, &'static str) {
    let keys = v.smb3_keys.iter().find(|k| k.id == session.id).unwrap();
    let session_key = hex(&keys.session_key);
    let chain_value = session.chain.map(|chain_id| {
        let chain = v.preauth_chain.iter().find(|c| c.id == chain_id).unwrap();
        let mut preauth = PreauthIntegrity::new();
        for packet in &chain.messages {
            preauth.update(&hex(packet));
        }
        *preauth.value()
    });
    let derivation = match (&chain_value, keys.dialect.as_str()) {
        (Some(hash), "3.1.1") => Derivation::Smb311 { preauth_hash: hash },
        (None, "3.0") => Derivation::Smb30,
        other => panic!("unexpected session shape {other:?}"),
    };
    let len = CipherKeyLen::from_len(session.cipher.key_len()).unwrap();
    let client = SessionKeys::derive(Role::Client, &session_key, derivation, Some(len)).unwrap();
    let server = SessionKeys::derive(Role::Server, &session_key, derivation, Some(len)).unwrap();

    // The derived keys are the published ones.
    assert_eq!(client.signing_key().as_bytes(), hex(&keys.signing_key));
    assert_eq!(
        client.application_key().unwrap().as_bytes(),
        hex(keys.application_key.as_ref().unwrap())
    );
    assert_eq!(
        client.encryption_key().unwrap().as_bytes(),
        hex(keys.client_encryption_key.as_ref().unwrap())
    );
    assert_eq!(
        client.decryption_key().unwrap().as_bytes(),
        hex(keys.client_decryption_key.as_ref().unwrap())
    );
    (client, server, session.id)
}

#[test]
fn final_session_setup_responses_verify_with_the_derived_signing_key() {
    let v = vectors();
    let mut verified = 0;
    for session in SESSIONS.iter().filter(|s| s.chain.is_some()) {
        let (client, server, id) = derive_both(&v, session);
        let signed = v
            .smb2_signing
            .iter()
            .find(|s| s.id == format!("{id}-final-session-setup-response"))
            .unwrap();
        assert_eq!(signed.algorithm, "AES-128-CMAC");
        let message = hex(&signed.message);

        // The client checks the server's signature with its key ...
        let client_signer =
            Signer::new(SigningAlgorithm::AesCmac, client.signing_key().as_bytes()).unwrap();
        client_signer.verify(&message).unwrap();

        // ... and the server, signing the same response afresh, writes the
        // published signature.
        let mut resigned = message.clone();
        resigned[48..64].fill(0);
        Signer::new(SigningAlgorithm::AesCmac, server.signing_key().as_bytes())
            .unwrap()
            .sign(&mut resigned)
            .unwrap();
        assert_eq!(resigned, message);

        // One changed bit in the body, and the signature no longer holds.
        let mut tampered = message.clone();
        *tampered.last_mut().unwrap() ^= 0x01;
        assert!(client_signer.verify(&tampered).is_err());
        verified += 1;
    }
    assert_eq!(verified, 3);
}

#[test]
fn captured_traffic_opens_with_the_receivers_derived_key() {
    let v = vectors();
    let mut opened = 0;
    for session in &SESSIONS {
        let (client, server, id) = derive_both(&v, session);
        for transform in v
            .smb3_transform
            .iter()
            .filter(|t| t.id.starts_with(&format!("{id}-")))
        {
            assert_eq!(cipher_named(&transform.cipher), session.cipher);
            // A request is opened by the server, a response by the client:
            // each with its own "decryption key", never the sender's.
            let (receiver, sender) = if transform.direction.starts_with("client-to-server") {
                (&server, &client)
            } else {
                (&client, &server)
            };
            let open = DecryptionKey::new(
                session.cipher,
                receiver.decryption_key().unwrap().as_bytes(),
            )
            .unwrap();
            let mut frame = hex(&transform.transformed);
            let header = TransformHeader::parse(&frame).unwrap();
            assert_eq!(header.original_message_size() as usize, frame.len() - 52);
            let plaintext = open.unseal_frame(&mut frame).unwrap();
            assert_eq!(
                plaintext,
                hex(&transform.plaintext).as_slice(),
                "{}",
                transform.id
            );

            // The sender's own decryption key is the other direction's key:
            // it must not open the frame.
            let wrong =
                DecryptionKey::new(session.cipher, sender.decryption_key().unwrap().as_bytes())
                    .unwrap();
            let mut frame = hex(&transform.transformed);
            assert!(wrong.unseal_frame(&mut frame).is_err(), "{}", transform.id);
            opened += 1;
        }
    }
    // 4 transforms for each of the three blog sessions.
    assert_eq!(opened, 12);
}

#[test]
fn a_server_reply_sealed_with_derived_keys_opens_at_the_client_for_every_cipher() {
    // AES-256 has no published SMB vector; this checks the whole path with a
    // 32-byte (Kerberos-sized) session key and the 3.1.1 chain of a published
    // session: both sides derive, the server seals, the client opens.
    let v = vectors();
    let chain = v
        .preauth_chain
        .iter()
        .find(|c| c.id == "ms-blog-smb311-gcm")
        .unwrap();
    let mut preauth = PreauthIntegrity::new();
    for packet in &chain.messages {
        preauth.update(&hex(packet));
    }
    let hash = *preauth.value();
    let session_key: Vec<u8> = (1..=32).collect();
    let reply = hex(&v
        .smb3_transform
        .iter()
        .find(|t| t.id == "ms-blog-smb311-gcm-read-response")
        .unwrap()
        .plaintext);
    for cipher in Cipher::ALL {
        let len = CipherKeyLen::from_len(cipher.key_len()).unwrap();
        let derivation = Derivation::Smb311 {
            preauth_hash: &hash,
        };
        let server =
            SessionKeys::derive(Role::Server, &session_key, derivation, Some(len)).unwrap();
        let client =
            SessionKeys::derive(Role::Client, &session_key, derivation, Some(len)).unwrap();
        assert_eq!(server.encryption_key().unwrap().len(), cipher.key_len());

        let seal = EncryptionKey::new(cipher, server.encryption_key().unwrap().as_bytes()).unwrap();
        let mut frame = vec![0u8; TRANSFORM_HEADER_LEN];
        frame.extend_from_slice(&reply);
        seal.seal_frame(0x1000_0000_0025, &mut frame).unwrap();
        assert_ne!(&frame[TRANSFORM_HEADER_LEN..], reply.as_slice());
        assert_eq!(
            TransformHeader::parse(&frame).unwrap().session_id(),
            0x1000_0000_0025
        );

        let open = DecryptionKey::new(cipher, client.decryption_key().unwrap().as_bytes()).unwrap();
        let mut copy = frame.clone();
        assert_eq!(
            open.unseal_frame(&mut copy).unwrap(),
            reply.as_slice(),
            "{}",
            cipher.name()
        );

        // A 16-byte key cannot be made into an AES-256 key.
        if cipher.key_len() == 32 {
            assert!(
                DecryptionKey::new(cipher, &client.decryption_key().unwrap().as_bytes()[..16])
                    .is_err()
            );
            // Deriving from only the first 16 bytes of a 32-byte session key
            // gives another key, which does not open the frame.
            let short =
                SessionKeys::derive(Role::Client, &session_key[..16], derivation, Some(len))
                    .unwrap();
            assert_ne!(short.decryption_key(), client.decryption_key());
            let other =
                DecryptionKey::new(cipher, short.decryption_key().unwrap().as_bytes()).unwrap();
            let mut copy = frame.clone();
            assert!(other.unseal_frame(&mut copy).is_err());
        }
    }
}
