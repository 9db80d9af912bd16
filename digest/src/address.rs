//! [`Address`]: the 32-byte account and contract address, shared by the host and contracts.

use core::fmt;

use parity_scale_codec::{Decode, Encode};
use sha3::{Digest, Keccak256};

/// A 32-byte account or contract address. SCALE: the 32 bytes as they are. Printed as `0x`
/// followed by 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Decode)]
pub struct Address(pub [u8; 32]);

// By hand rather than derived: `using_encoded` hands over the 32 bytes in place, where the
// derived one (through `[u8; 32]`'s) would allocate and copy them. Contracts encode addresses
// everywhere (storage keys, event topics, call arguments), and that path is code every load of
// a contract pays for by the byte.
impl Encode for Address {
    fn size_hint(&self) -> usize {
        32
    }

    fn encode_to<T: parity_scale_codec::Output + ?Sized>(&self, dest: &mut T) {
        dest.write(&self.0)
    }

    fn using_encoded<R, F: FnOnce(&[u8]) -> R>(&self, f: F) -> R {
        f(&self.0)
    }

    fn encoded_size(&self) -> usize {
        32
    }
}

impl parity_scale_codec::EncodeLike for Address {}

impl Address {
    /// The all-zero address.
    pub const ZERO: Address = Address([0; 32]);

    /// The address of the `nonce`-th contract deployed by `deployer`:
    /// `keccak256("tally/address/v1" ‖ deployer ‖ nonce as u64 LE)`.
    pub fn derive(deployer: &Address, nonce: u64) -> Address {
        let mut h = Keccak256::new();
        h.update(b"tally/address/v1");
        h.update(deployer.0);
        h.update(nonce.to_le_bytes());
        Address(h.finalize().into())
    }

    /// The address of a contract created by the contract `creator` (the ABI's `create`) with
    /// `salt` from code whose Keccak-256 is `code_hash`:
    /// `keccak256("tally/create/v1" ‖ creator ‖ salt ‖ code_hash)`. Known before the creation, and
    /// independent of the initializer's arguments and of the creator's other creations.
    pub fn derive_created(creator: &Address, salt: &[u8; 32], code_hash: &[u8; 32]) -> Address {
        let mut h = Keccak256::new();
        h.update(b"tally/create/v1");
        h.update(creator.0);
        h.update(salt);
        h.update(code_hash);
        Address(h.finalize().into())
    }

    /// Parses `0x` followed by 64 hex digits.
    pub fn from_hex(s: &str) -> Option<Address> {
        let bytes = crate::parse_hex(s)?;
        Some(Address(bytes.try_into().ok()?))
    }
}

impl From<[u8; 32]> for Address {
    fn from(bytes: [u8; 32]) -> Self {
        Address(bytes)
    }
}

// Written byte by byte rather than through `crate::hex`, so formatting an address in a contract
// allocates nothing.
impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// `Address` in a contract's metadata: the struct `tally_sdk::Address` of one unnamed
/// `[u8; 32]` field (readers show it as its bytes in hex).
#[cfg(feature = "scale-info")]
impl scale_info::TypeInfo for Address {
    type Identity = Self;

    fn type_info() -> scale_info::Type {
        scale_info::Type::builder()
            .path(scale_info::Path::new("Address", "tally_sdk"))
            .composite(scale_info::build::Fields::unnamed().field(|f| f.ty::<[u8; 32]>().type_name("[u8; 32]")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_parses_and_encodes_as_32_raw_bytes() {
        let a = Address([0xab; 32]);
        let text = format!("{a}");
        assert_eq!(text, format!("0x{}", "ab".repeat(32)));
        assert_eq!(format!("{a:?}"), text);
        assert_eq!(Address::from_hex(&text), Some(a));
        assert_eq!(Address::from_hex("0xab"), None);
        assert_eq!(a.encode(), [0xab; 32]);
        let b = Address(core::array::from_fn(|i| i as u8));
        assert_eq!(b.using_encoded(<[u8]>::to_vec), b.0);
        assert_eq!((b.size_hint(), b.encoded_size()), (32, 32));
        assert_eq!((1u8, b, 2u8).encode(), [&[1u8][..], &b.0, &[2]].concat(), "inside a tuple");
        assert_eq!(Address::decode(&mut &[7u8; 32][..]), Ok(Address([7; 32])));
    }

    #[test]
    fn derived_addresses_depend_on_deployer_and_nonce() {
        let d = Address([1; 32]);
        let mut preimage = b"tally/address/v1".to_vec();
        preimage.extend_from_slice(&[1; 32]);
        preimage.extend_from_slice(&5u64.to_le_bytes());
        assert_eq!(Address::derive(&d, 5), Address(crate::keccak(&preimage)));
        assert_ne!(Address::derive(&d, 5), Address::derive(&d, 6));
        assert_ne!(Address::derive(&d, 5), Address::derive(&Address::ZERO, 5));
    }

    #[test]
    fn created_addresses_depend_on_creator_salt_and_code() {
        let (c, salt, code) = (Address([1; 32]), [2; 32], [3; 32]);
        let mut preimage = b"tally/create/v1".to_vec();
        preimage.extend_from_slice(&[1; 32]);
        preimage.extend_from_slice(&[2; 32]);
        preimage.extend_from_slice(&[3; 32]);
        assert_eq!(Address::derive_created(&c, &salt, &code), Address(crate::keccak(&preimage)));
        assert_ne!(Address::derive_created(&c, &salt, &code), Address::derive_created(&Address::ZERO, &salt, &code));
        assert_ne!(Address::derive_created(&c, &salt, &code), Address::derive_created(&c, &[0; 32], &code));
        assert_ne!(Address::derive_created(&c, &salt, &code), Address::derive_created(&c, &salt, &[0; 32]));
    }
}
