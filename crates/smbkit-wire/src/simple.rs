//! The 4-byte bodies `{StructureSize = 4, Reserved}` shared by LOGOFF,
//! TREE_DISCONNECT, ECHO and CANCEL.

macro_rules! reserved_body {
    ($(#[$doc:meta])* $name:ident, $command:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
        pub struct $name;

        impl<'a> $crate::codec::Pdu<'a> for $name {
            const STRUCTURE_SIZE: u16 = 4;

            fn decode(msg: &'a [u8]) -> Result<Self, $crate::error::WireError> {
                let mut r = $crate::codec::body_reader(
                    msg,
                    $what,
                    Some($command),
                    Self::STRUCTURE_SIZE,
                )?;
                r.skip(2, "Reserved")?;
                Ok($name)
            }

            fn encode<B: $crate::codec::WireBuf + ?Sized>(
                &self,
                w: &mut $crate::codec::Writer<'_, B>,
            ) -> Result<(), $crate::error::WireError> {
                w.u16(Self::STRUCTURE_SIZE);
                w.u16(0);
                Ok(())
            }
        }
    };
}

pub(crate) use reserved_body;
