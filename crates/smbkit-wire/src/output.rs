//! The response shape shared by QUERY_DIRECTORY, CHANGE_NOTIFY and
//! QUERY_INFO (MS-SMB2 2.2.34, 2.2.36, 2.2.38): `{StructureSize = 9,
//! OutputBufferOffset u16, OutputBufferLength u32, Buffer}`. The encoder puts
//! the buffer at 0x48 (right after the fixed part) and adds no padding byte.

macro_rules! output_response {
    ($(#[$doc:meta])* $name:ident, $command:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
        pub struct $name<'a> {
            /// The output buffer, borrowed.
            pub output: &'a [u8],
        }

        impl<'a> $crate::codec::Pdu<'a> for $name<'a> {
            const STRUCTURE_SIZE: u16 = 9;

            fn decode(msg: &'a [u8]) -> Result<Self, $crate::error::WireError> {
                let mut r = $crate::codec::body_reader(
                    msg,
                    $what,
                    Some($command),
                    Self::STRUCTURE_SIZE,
                )?;
                let offset = r.u16("OutputBufferOffset")?;
                let length = r.u32("OutputBufferLength")?;
                Ok($name {
                    output: $crate::codec::buffer(
                        msg,
                        "OutputBuffer",
                        offset.into(),
                        length.into(),
                        $crate::codec::fixed_end(Self::STRUCTURE_SIZE),
                    )?,
                })
            }

            fn encode<B: $crate::codec::WireBuf + ?Sized>(
                &self,
                w: &mut $crate::codec::Writer<'_, B>,
            ) -> Result<(), $crate::error::WireError> {
                let offset = $crate::codec::add("OutputBufferOffset", w.offset(), 8)?;
                w.u16(Self::STRUCTURE_SIZE);
                w.u16($crate::codec::to_u16("OutputBufferOffset", offset)?);
                w.u32($crate::codec::to_u32("OutputBufferLength", self.output.len())?);
                w.bytes(self.output);
                Ok(())
            }
        }
    };
}

pub(crate) use output_response;
