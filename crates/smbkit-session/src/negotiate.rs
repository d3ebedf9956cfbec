//! NEGOTIATE (MS-SMB2 3.3.5.3.1, 3.3.5.4).

use smbkit_auth::Acceptor;
use smbkit_seal::Cipher;
use smbkit_sign::SigningAlgorithm;
use smbkit_wire::negotiate::{
    NegotiateContext, NegotiateRequest, NegotiateResponse, algorithm, capabilities, dialect,
    security_mode,
};
use smbkit_wire::smb1::Smb1Negotiate;
use smbkit_wire::{Command, Guid, Header, HeaderFlags, NtStatus, Pdu, U16List};

use crate::batch::{Batch, Disconnect, Item, Preauth, Response, Slot};
use crate::config::{Dialect, EncryptionPolicy, SigningPolicy};
use crate::connection::{Connection, Ctx, NegotiateState, Negotiated};

/// 2.0.2 caps every size at 64 KiB.
const SMB202_MAX_SIZE: u32 = 65536;

impl Connection {
    fn server_security_mode(&self) -> u16 {
        match self.config.signing {
            SigningPolicy::Enabled => security_mode::SIGNING_ENABLED,
            SigningPolicy::Required => {
                security_mode::SIGNING_ENABLED | security_mode::SIGNING_REQUIRED
            }
        }
    }

    fn sizes(&self, dialect: u16) -> (u32, u32, u32) {
        let c = &self.config;
        if dialect == crate::config::Dialect::Smb202.id() {
            (
                c.max_transact_size.min(SMB202_MAX_SIZE),
                c.max_read_size.min(SMB202_MAX_SIZE),
                c.max_write_size.min(SMB202_MAX_SIZE),
            )
        } else {
            (c.max_transact_size, c.max_read_size, c.max_write_size)
        }
    }

    fn negotiate_body(
        &self,
        dialect_revision: u16,
        server_capabilities: u32,
        now: u64,
        contexts: Vec<NegotiateContext<'_>>,
    ) -> Result<Vec<u8>, Disconnect> {
        let token = Acceptor::new(self.config.auth.clone()).negotiate_token();
        let (max_transact_size, max_read_size, max_write_size) = self.sizes(dialect_revision);
        NegotiateResponse {
            security_mode: self.server_security_mode(),
            dialect_revision,
            server_guid: Guid(self.config.server_guid),
            capabilities: server_capabilities,
            max_transact_size,
            max_read_size,
            max_write_size,
            system_time: now,
            server_start_time: 0,
            security_buffer: &token,
            contexts,
        }
        .encode_body_to_vec()
        .map_err(|e| Disconnect::new(format!("internal: NEGOTIATE response: {e}")))
    }

    /// An SMB1 NEGOTIATE offering SMB2 (MS-SMB2 3.3.5.3.1).
    pub(crate) fn receive_smb1(&mut self, frame: &[u8], now: u64) -> Result<Batch, Disconnect> {
        if !matches!(self.negotiate, NegotiateState::Fresh) {
            return Err(Disconnect::new("SMB1 NEGOTIATE after negotiation"));
        }
        let neg = Smb1Negotiate::decode(frame)
            .map_err(|e| Disconnect::new(format!("SMB1 message that is not a NEGOTIATE: {e}")))?;
        let Some(answer) = neg.smb2_answer() else {
            return Err(Disconnect::new(
                "SMB1 NEGOTIATE without \"SMB 2.002\" or \"SMB 2.???\": SMB1 is not served",
            ));
        };
        // The SMB1 request counts as MessageId 0.
        self.window.consume(0, 1).map_err(Disconnect::new)?;
        let credits = self.window.grant(1, 1);
        let caps = if answer == dialect::WILDCARD {
            if self.config.max_dialect < Dialect::Smb210 {
                return Err(Disconnect::new(
                    "SMB1 NEGOTIATE offers only SMB 2.1+ (\"SMB 2.???\") but 2.0.2 is our maximum",
                ));
            }
            self.negotiate = NegotiateState::Wildcard;
            capabilities::LARGE_MTU
        } else {
            if self.config.min_dialect > Dialect::Smb202 {
                return Err(Disconnect::new(
                    "SMB1 NEGOTIATE offers only SMB 2.002, below our minimum dialect",
                ));
            }
            self.negotiate = NegotiateState::Done(Negotiated {
                dialect: Dialect::Smb202,
                client_capabilities: 0,
                client_guid: [0; 16],
                client_security_mode: 0,
                client_dialects: vec![dialect::SMB202],
                server_capabilities: 0,
                server_security_mode: self.server_security_mode(),
                cipher: None,
                signing: SigningAlgorithm::HmacSha256,
            });
            0
        };
        let body = self.negotiate_body(answer, caps, now, Vec::new())?;
        let header = Header {
            command: Command::NEGOTIATE,
            ..Header::default()
        };
        let mut batch = Batch::new();
        batch.push(
            Item::Done(Response::new(NtStatus::SUCCESS, body)),
            Slot {
                header,
                credits,
                session_id: 0,
                tree_id: 0,
                signer: None,
                preauth: Preauth::None,
            },
        );
        Ok(batch)
    }

    /// An SMB2 NEGOTIATE (MS-SMB2 3.3.5.4).
    pub(crate) fn handle_negotiate(&mut self, ctx: &Ctx) -> Result<(Item, Slot), Disconnect> {
        if matches!(self.negotiate, NegotiateState::Done(_)) {
            return Err(Disconnect::new("second NEGOTIATE on the connection"));
        }
        if ctx.chain_len > 1 || ctx.encrypted.is_some() {
            return Err(Disconnect::new(
                "NEGOTIATE in a compound or inside a transform",
            ));
        }
        let req = match NegotiateRequest::decode(&ctx.msg) {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(error = %e, "malformed NEGOTIATE");
                return Ok(ctx.fail(e.status(), None));
            }
        };
        if req.dialects.is_empty() {
            return Ok(ctx.fail(NtStatus::INVALID_PARAMETER, None));
        }
        let config = &self.config;
        let Some(chosen) = Dialect::ALL
            .iter()
            .rev()
            .copied()
            .filter(|d| *d >= config.min_dialect && *d <= config.max_dialect)
            .find(|d| req.dialects.contains(d.id()))
        else {
            tracing::debug!(offered = ?req.dialects.to_vec(), "no common dialect");
            return Ok(ctx.fail(NtStatus::NOT_SUPPORTED, None));
        };
        let encryption_on = config.encryption != EncryptionPolicy::Disabled;
        let mut server_caps = 0;
        if chosen >= Dialect::Smb210 {
            // Leases are granted from 2.1 on (smbkit-dispatch's RqLs).
            server_caps |= capabilities::LARGE_MTU | capabilities::LEASING;
        }
        if chosen.is_smb3() {
            // Directory leases (v2 contexts on directories) are SMB 3 only.
            server_caps |= capabilities::DIRECTORY_LEASING;
        }
        let mut cipher = None;
        let mut signing = SigningAlgorithm::AesCmac;
        let mut contexts = Vec::new();
        let salt = random_salt()?;
        match chosen {
            Dialect::Smb300 | Dialect::Smb302 => {
                if encryption_on
                    && req.capabilities & capabilities::ENCRYPTION != 0
                    && config.ciphers.contains(&Cipher::Aes128Ccm)
                {
                    server_caps |= capabilities::ENCRYPTION;
                    cipher = Some(Cipher::Aes128Ccm);
                }
            }
            Dialect::Smb311 => {
                let mut preauth = None;
                let mut ciphers = None;
                let mut algorithms = None;
                for c in &req.contexts {
                    let duplicate = match c {
                        NegotiateContext::PreauthIntegrity {
                            hash_algorithms, ..
                        } => preauth.replace(hash_algorithms.clone()).is_some(),
                        NegotiateContext::Encryption { ciphers: list } => {
                            ciphers.replace(list.clone()).is_some()
                        }
                        NegotiateContext::Signing { algorithms: list } => {
                            algorithms.replace(list.clone()).is_some()
                        }
                        _ => false,
                    };
                    if duplicate {
                        tracing::debug!("NEGOTIATE repeats a negotiate context");
                        return Ok(ctx.fail(NtStatus::INVALID_PARAMETER, None));
                    }
                }
                let Some(hashes) = preauth else {
                    tracing::debug!("3.1.1 NEGOTIATE without a preauth integrity context");
                    return Ok(ctx.fail(NtStatus::INVALID_PARAMETER, None));
                };
                if !hashes.contains(algorithm::HASH_SHA512) {
                    return Ok(ctx.fail(NtStatus::SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP, None));
                }
                contexts.push(NegotiateContext::PreauthIntegrity {
                    hash_algorithms: U16List::from_values(&[algorithm::HASH_SHA512]),
                    salt: &salt,
                });
                if let Some(offered) = &ciphers
                    && encryption_on
                {
                    cipher = config
                        .ciphers
                        .iter()
                        .copied()
                        .find(|c| offered.contains(c.id()));
                    if let Some(c) = cipher {
                        contexts.push(NegotiateContext::Encryption {
                            ciphers: U16List::from_values(&[c.id()]),
                        });
                    }
                }
                if let Some(offered) = &algorithms {
                    signing = config
                        .signing_algorithms
                        .iter()
                        .copied()
                        .find(|a| offered.contains(a.id()))
                        .unwrap_or(SigningAlgorithm::AesCmac);
                    contexts.push(NegotiateContext::Signing {
                        algorithms: U16List::from_values(&[signing.id()]),
                    });
                }
            }
            Dialect::Smb202 | Dialect::Smb210 => {}
        }
        let body = self.negotiate_body(chosen.id(), server_caps, ctx.now, contexts)?;
        let negotiated = Negotiated {
            dialect: chosen,
            client_capabilities: req.capabilities,
            client_guid: req.client_guid.0,
            client_security_mode: req.security_mode,
            client_dialects: req.dialects.to_vec(),
            server_capabilities: server_caps,
            server_security_mode: self.server_security_mode(),
            cipher,
            signing,
        };
        tracing::debug!(dialect = %chosen, ?cipher, signing = %negotiated.signing_algorithm(), "negotiated");
        let mut slot = ctx.slot();
        if chosen == Dialect::Smb311 {
            self.preauth.update(&ctx.msg);
            slot.preauth = Preauth::Connection;
        }
        self.negotiate = NegotiateState::Done(negotiated);
        slot.header.flags = slot.header.flags.without(HeaderFlags::SIGNED);
        Ok((Item::Done(Response::new(NtStatus::SUCCESS, body)), slot))
    }
}

fn random_salt() -> Result<[u8; 32], Disconnect> {
    let mut salt = [0u8; 32];
    getrandom::fill(&mut salt)
        .map_err(|_| Disconnect::new("internal: the system random generator failed"))?;
    Ok(salt)
}
