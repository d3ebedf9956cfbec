//! NegotiateFlags (MS-NLMP 2.2.2.5).

use core::fmt;
use core::ops::{BitAnd, BitOr, Not};

/// The NTLM NegotiateFlags bit set.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NegotiateFlags(pub u32);

impl NegotiateFlags {
    /// NTLMSSP_NEGOTIATE_UNICODE (A).
    pub const UNICODE: Self = Self(0x0000_0001);
    /// NTLM_NEGOTIATE_OEM (B).
    pub const OEM: Self = Self(0x0000_0002);
    /// NTLMSSP_REQUEST_TARGET (C).
    pub const REQUEST_TARGET: Self = Self(0x0000_0004);
    /// NTLMSSP_NEGOTIATE_SIGN (D).
    pub const SIGN: Self = Self(0x0000_0010);
    /// NTLMSSP_NEGOTIATE_SEAL (E).
    pub const SEAL: Self = Self(0x0000_0020);
    /// NTLMSSP_NEGOTIATE_DATAGRAM (F).
    pub const DATAGRAM: Self = Self(0x0000_0040);
    /// NTLMSSP_NEGOTIATE_LM_KEY (G).
    pub const LM_KEY: Self = Self(0x0000_0080);
    /// NTLMSSP_NEGOTIATE_NTLM (H).
    pub const NTLM: Self = Self(0x0000_0200);
    /// Anonymous connection (J).
    pub const ANONYMOUS: Self = Self(0x0000_0800);
    /// NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED (K).
    pub const OEM_DOMAIN_SUPPLIED: Self = Self(0x0000_1000);
    /// NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED (L).
    pub const OEM_WORKSTATION_SUPPLIED: Self = Self(0x0000_2000);
    /// NTLMSSP_NEGOTIATE_ALWAYS_SIGN (M).
    pub const ALWAYS_SIGN: Self = Self(0x0000_8000);
    /// NTLMSSP_TARGET_TYPE_DOMAIN (N).
    pub const TARGET_TYPE_DOMAIN: Self = Self(0x0001_0000);
    /// NTLMSSP_TARGET_TYPE_SERVER (O).
    pub const TARGET_TYPE_SERVER: Self = Self(0x0002_0000);
    /// NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY (P).
    pub const EXTENDED_SESSIONSECURITY: Self = Self(0x0008_0000);
    /// NTLMSSP_NEGOTIATE_IDENTIFY (Q).
    pub const IDENTIFY: Self = Self(0x0010_0000);
    /// NTLMSSP_REQUEST_NON_NT_SESSION_KEY (R).
    pub const REQUEST_NON_NT_SESSION_KEY: Self = Self(0x0040_0000);
    /// NTLMSSP_NEGOTIATE_TARGET_INFO (S).
    pub const TARGET_INFO: Self = Self(0x0080_0000);
    /// NTLMSSP_NEGOTIATE_VERSION (T).
    pub const VERSION: Self = Self(0x0200_0000);
    /// NTLMSSP_NEGOTIATE_128 (U).
    pub const NEGOTIATE_128: Self = Self(0x2000_0000);
    /// NTLMSSP_NEGOTIATE_KEY_EXCH (V).
    pub const KEY_EXCH: Self = Self(0x4000_0000);
    /// NTLMSSP_NEGOTIATE_56 (W).
    pub const NEGOTIATE_56: Self = Self(0x8000_0000);

    /// The raw value.
    #[must_use]
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every bit of `other` is set.
    #[must_use]
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for NegotiateFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitAnd for NegotiateFlags {
    type Output = Self;
    fn bitand(self, rhs: Self) -> Self {
        Self(self.0 & rhs.0)
    }
}

impl Not for NegotiateFlags {
    type Output = Self;
    fn not(self) -> Self {
        Self(!self.0)
    }
}

impl fmt::Debug for NegotiateFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NegotiateFlags({:#010x})", self.0)
    }
}
