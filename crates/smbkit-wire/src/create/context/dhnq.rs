//! `DHnQ`: SMB2_CREATE_DURABLE_HANDLE_REQUEST (MS-SMB2 2.2.13.2.3, 16
//! reserved bytes) and _RESPONSE (2.2.14.2.3, 8 reserved bytes).

use super::{CreateContext, exact, name};
use crate::error::WireError;

/// The v1 durable handle request: 16 reserved bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct DurableRequest;

impl DurableRequest {
    /// Decodes the context data (exactly 16 bytes, contents ignored).
    pub fn decode(data: &[u8]) -> Result<Self, WireError> {
        exact::<16>("DHnQ", data).map(|_| DurableRequest)
    }

    /// The whole context (16 zero bytes of data).
    pub fn to_context(&self) -> CreateContext<'static> {
        CreateContext::owned(name::DURABLE_HANDLE, vec![0; 16])
    }
}

/// The v1 durable handle response: 8 reserved bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct DurableResponse;

impl DurableResponse {
    /// Decodes the context data (exactly 8 bytes, contents ignored).
    pub fn decode(data: &[u8]) -> Result<Self, WireError> {
        exact::<8>("DHnQ", data).map(|_| DurableResponse)
    }

    /// The whole context (8 zero bytes of data).
    pub fn to_context(&self) -> CreateContext<'static> {
        CreateContext::owned(name::DURABLE_HANDLE, vec![0; 8])
    }
}
