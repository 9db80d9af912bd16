//! Checking call input against an SDK method's signature before anything runs.
//!
//! An SDK contract decodes its arguments only once it runs, so input that does not match the
//! method's argument types (missing arguments, a `u64` where it takes a `u128`, bytes left over)
//! would cost a load, an instantiation and a revert with `BadArguments`. [`check_args`] decodes
//! the SCALE input along the argument types, as the metadata's type registry defines them, and
//! names the first argument that does not fit.

use tally_sdk_build::value::{self, DecodeError};
use tally_sdk_build::{Metadata, MethodInfo as Method};

/// Checks that `input` (the arguments, without a selector) decodes as `method`'s arguments with
/// nothing left over; the error names the first argument that does not fit and the signature.
pub fn check_args(meta: &Metadata, method: &Method, input: &[u8]) -> Result<(), String> {
    let sig = method.signature();
    if input.is_empty() && !method.args.is_empty() {
        let names: Vec<String> = method.args.iter().map(|a| format!("\"{}\": …", a.name)).collect();
        return Err(format!(
            "`{sig}` takes {} argument{} and none were given; pass them with --json-args '{{{}}}' (or SCALE with --args)",
            method.args.len(),
            if method.args.len() == 1 { "" } else { "s" },
            names.join(", ")
        ));
    }
    let mut rest = input;
    for arg in &method.args {
        let at = input.len() - rest.len();
        let (name, ty) = (&arg.name, &arg.type_name);
        value::decode(&meta.types, arg.ty, &mut rest).map_err(|e| match e {
            DecodeError::Short { need, left } => format!(
                "the arguments end inside `{name}` ({ty}), which starts at byte {at}: {need} more byte{} needed, \
                 {left} left; `{sig}`",
                if need == 1 { " was" } else { "s were" }
            ),
            other => format!("argument `{name}` ({ty}) at byte {at}: {other}; `{sig}`"),
        })?;
    }
    if !rest.is_empty() {
        return Err(format!(
            "{} byte{} left over after the last argument of `{sig}` (the input is {} bytes)",
            rest.len(),
            if rest.len() == 1 { " is" } else { "s are" },
            input.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use parity_scale_codec::Encode;

    use super::*;
    use crate::contract::sdk::tests::token_meta;

    #[test]
    fn matching_input_passes() {
        let meta = token_meta();
        let transfer = meta.method("transfer").unwrap();
        assert_eq!(check_args(&meta, transfer, &([7u8; 32], 5u128).encode()), Ok(()));
    }

    #[test]
    fn mismatches_name_the_argument_and_the_signature() {
        let meta = token_meta();
        let m = meta.method("transfer").unwrap();
        assert_eq!(
            check_args(&meta, m, &[]).unwrap_err(),
            "`transfer(to: Address, value: u128)` takes 2 arguments and none were given; pass them with \
             --json-args '{\"to\": …, \"value\": …}' (or SCALE with --args)"
        );
        // A u64 where a u128 goes.
        let short = ([1u8; 32], 5u64).encode();
        assert_eq!(
            check_args(&meta, m, &short).unwrap_err(),
            "the arguments end inside `value` (u128), which starts at byte 32: 16 more bytes were needed, 8 left; \
             `transfer(to: Address, value: u128)`"
        );
        let long = ([1u8; 32], 5u128, 1u8).encode();
        assert_eq!(
            check_args(&meta, m, &long).unwrap_err(),
            "1 byte is left over after the last argument of `transfer(to: Address, value: u128)` (the input is 49 bytes)"
        );
    }
}
