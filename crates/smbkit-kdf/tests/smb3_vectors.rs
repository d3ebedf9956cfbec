//! SMB 3.0 / 3.1.1 key derivation and the 3.1.1 preauth chain against the
//! Microsoft published vectors in `data/smb3.toml`.

// Test helpers outside `#[test]` fns may unwrap too: a failing test should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde::Deserialize;
use smbkit_kdf::{
    CipherKeyLen, Derivation, PreauthHash, PreauthIntegrity, Role, SecretKey, SessionKeys,
    channel_signing_key,
};

#[derive(Deserialize)]
struct Keys {
    id: String,
    dialect: String,
    source: String,
    session_key: String,
    preauth_hash: Option<String>,
    signing_key: String,
    client_encryption_key: Option<String>,
    client_decryption_key: Option<String>,
    application_key: Option<String>,
}

#[derive(Deserialize)]
struct Chain {
    id: String,
    source: String,
    messages: Vec<String>,
    hash_after: Vec<String>,
}

#[derive(Deserialize)]
struct File {
    smb3_keys: Vec<Keys>,
    preauth_chain: Vec<Chain>,
}

fn file() -> File {
    toml::from_str(include_str!("data/smb3.toml")).unwrap()
}

fn hash(hex_value: &str) -> PreauthHash {
    PreauthHash::try_from(hex::decode(hex_value).unwrap().as_slice()).unwrap()
}

fn hex_of(key: &SecretKey) -> String {
    hex::encode(key.as_bytes())
}

/// Checks every key present in `entry`, derived from `session_key` and
/// `derivation`; returns how many key values were compared.
fn check_entry(entry: &Keys, derivation: Derivation<'_>) -> usize {
    let session_key = hex::decode(&entry.session_key).unwrap();
    let id = &entry.id;
    let mut checked = 0;

    // Binding-channel entries hold only Channel.SigningKey.
    let channel = channel_signing_key(&session_key, derivation).unwrap();
    assert_eq!(
        hex_of(&channel),
        entry.signing_key,
        "{id}: channel signing key"
    );
    checked += 1;

    let cipher = entry
        .client_encryption_key
        .as_ref()
        .map(|_| CipherKeyLen::Aes128);
    let client = SessionKeys::derive(Role::Client, &session_key, derivation, cipher).unwrap();
    let server = SessionKeys::derive(Role::Server, &session_key, derivation, cipher).unwrap();
    assert_eq!(client.role(), Role::Client);
    assert_eq!(server.role(), Role::Server);

    for keys in [&client, &server] {
        assert_eq!(
            hex_of(keys.signing_key()),
            entry.signing_key,
            "{id}: signing"
        );
        assert_eq!(keys.signing_key().len(), 16);
        checked += 1;
        if let Some(app) = &entry.application_key {
            assert_eq!(&hex_of(keys.application_key().unwrap()), app, "{id}: app");
            checked += 1;
        }
    }
    if let Some(c2s) = &entry.client_encryption_key {
        assert_eq!(
            &hex_of(client.encryption_key().unwrap()),
            c2s,
            "{id}: client enc"
        );
        assert_eq!(
            &hex_of(server.decryption_key().unwrap()),
            c2s,
            "{id}: server dec"
        );
        checked += 2;
    } else {
        assert!(client.encryption_key().is_none());
    }
    if let Some(s2c) = &entry.client_decryption_key {
        assert_eq!(
            &hex_of(client.decryption_key().unwrap()),
            s2c,
            "{id}: client dec"
        );
        assert_eq!(
            &hex_of(server.encryption_key().unwrap()),
            s2c,
            "{id}: server enc"
        );
        checked += 2;
    }
    if entry.client_encryption_key.is_some() {
        assert_ne!(client.encryption_key(), client.decryption_key(), "{id}");
    }
    checked
}

#[test]
fn every_smb3_keys_entry_matches() {
    let file = file();
    assert_eq!(file.smb3_keys.len(), 7);
    let mut total = 0;
    for entry in &file.smb3_keys {
        assert!(entry.source.contains("Microsoft"), "{}", entry.id);
        let preauth;
        let derivation = match entry.dialect.as_str() {
            "3.0" => {
                assert!(entry.preauth_hash.is_none(), "{}", entry.id);
                Derivation::Smb30
            }
            "3.1.1" => {
                preauth = hash(entry.preauth_hash.as_ref().unwrap());
                Derivation::Smb311 {
                    preauth_hash: &preauth,
                }
            }
            other => panic!("{}: unexpected dialect {other}", entry.id),
        };
        total += check_entry(entry, derivation);
    }
    // 5 full entries × (1 channel + 2 signing + 2 app + 4 cipher) + 2 binding
    // entries × (1 channel + 2 signing).
    assert_eq!(total, 5 * 9 + 2 * 3);
}

/// The smb3_keys entry that continues a preauth chain: the same id, or, for
/// the binding channel, the id with "-channel" appended.
fn keys_for<'a>(file: &'a File, chain_id: &str) -> &'a Keys {
    let with_channel = format!("{chain_id}-channel");
    let matches: Vec<&Keys> = file
        .smb3_keys
        .iter()
        .filter(|k| k.id == chain_id || k.id == with_channel)
        .collect();
    assert_eq!(matches.len(), 1, "{chain_id}");
    matches[0]
}

#[test]
fn every_preauth_chain_matches_packet_by_packet_and_proves_the_keys() {
    let file = file();
    assert_eq!(file.preauth_chain.len(), 4);
    for chain in &file.preauth_chain {
        let id = &chain.id;
        assert!(chain.source.contains("Microsoft"), "{id}");
        assert_eq!(chain.messages.len(), chain.hash_after.len(), "{id}");
        assert_eq!(chain.messages.len(), 5, "{id}");

        let mut connection = PreauthIntegrity::new();
        assert_eq!(connection.value(), &PreauthHash::ZERO);
        let mut session = None;
        for (i, (message, expected)) in chain.messages.iter().zip(&chain.hash_after).enumerate() {
            let packet = hex::decode(message).unwrap();
            // Packets 0 and 1 are NEGOTIATE request and response (connection);
            // the session chain starts as a copy of the connection value.
            let target = if i < 2 {
                &mut connection
            } else {
                session.get_or_insert_with(|| connection.clone())
            };
            target.update(&packet);
            assert_eq!(
                hex::encode(target.value().as_bytes()),
                *expected,
                "{id}: hash after packet {i}"
            );
        }
        let session = session.unwrap();
        // The connection value stayed at the NEGOTIATE value.
        assert_eq!(
            hex::encode(connection.value().as_bytes()),
            chain.hash_after[1]
        );

        // The final value is the 3.1.1 KDF context of the matching keys entry.
        let entry = keys_for(&file, id);
        assert_eq!(entry.dialect, "3.1.1");
        assert_eq!(
            entry.preauth_hash.as_deref(),
            Some(hex::encode(session.value().as_bytes()).as_str()),
            "{id}"
        );
        let derivation = Derivation::Smb311 {
            preauth_hash: session.value(),
        };
        assert!(check_entry(entry, derivation) >= 3);
    }
}

#[test]
fn vectored_packets_give_the_published_chain() {
    let file = file();
    for chain in &file.preauth_chain {
        let mut p = PreauthIntegrity::new();
        for (message, expected) in chain.messages.iter().zip(&chain.hash_after) {
            let packet = hex::decode(message).unwrap();
            // SMB2 header, then the body split once more in the middle.
            let (header, body) = packet.split_at(64);
            let (body_a, body_b) = body.split_at(body.len() / 2);
            p.update_vectored(&[header, body_a, body_b]);
            assert_eq!(hex::encode(p.value().as_bytes()), *expected, "{}", chain.id);
        }
    }
}

#[test]
fn hashing_the_final_success_response_would_break_the_keys() {
    // Guards the rule "the final STATUS_SUCCESS response is not hashed":
    // one more update gives a different context and a different signing key.
    let file = file();
    let chain = &file.preauth_chain[0];
    let entry = keys_for(&file, &chain.id);
    let mut p = PreauthIntegrity::from_value(hash(chain.hash_after.last().unwrap()));
    p.update(b"any further packet");
    let session_key = hex::decode(&entry.session_key).unwrap();
    let keys = SessionKeys::derive(
        Role::Server,
        &session_key,
        Derivation::Smb311 {
            preauth_hash: p.value(),
        },
        None,
    )
    .unwrap();
    assert_ne!(hex_of(keys.signing_key()), entry.signing_key);
    assert!(keys.encryption_key().is_none());
    assert!(keys.decryption_key().is_none());
}
