//! SDK contracts in the CLI: method names to selectors, and named JSON arguments.
//!
//! A contract built with `tally-sdk` exports two entry points, `deploy` and `call`; `call` reads
//! `selector ‖ SCALE(args)`, where the selector is the first 4 bytes of the Keccak-256 of the
//! method name. Its metadata (the `tally.metadata` custom section) lists every method with its
//! selector and typed arguments. With it, `tally call ADDR transfer --json-args '{…}'` finds the
//! entry point and encodes the arguments by their declared types; without it, a method that is
//! not an export of its own is still called through `call` with the computed selector.

use std::sync::Arc;

use parity_scale_codec::Decode;
use serde_json::Value as Json;
use tally_host_env::sections::code_as_deployed;
use tally_host_env::{keys, Account, Address, Storage};
use tally_sdk_build::{json, Metadata, MethodInfo, MethodKind};

use super::ContractError;

/// The metadata of the contract deployed at `address`, if its code carries one.
pub fn metadata_of(storage: &Arc<dyn Storage>, address: &Address) -> Result<Option<Metadata>, ContractError> {
    let account_key = [keys::ACCOUNT, &address.0[..]].concat();
    let Some(raw) = storage.get(&account_key).map_err(ContractError::Storage)? else {
        // The runtime reports the unknown address with its own error.
        return Ok(None);
    };
    let Ok(account) = Account::decode(&mut &raw[..]) else { return Ok(None) };
    // The metadata is a custom section, stored apart from the code a call loads.
    let code = code_as_deployed(&account.code_hash, |key| storage.get(key)).map_err(ContractError::Storage)?;
    let Some(code) = code else { return Ok(None) };
    metadata_of_code(&code)
}

/// The metadata in `code`'s `tally.metadata` section, if any; a malformed section is an error
/// that says what is wrong with it.
pub fn metadata_of_code(code: &[u8]) -> Result<Option<Metadata>, ContractError> {
    tally_sdk_build::metadata_of(code).map_err(|e| ContractError::Input(format!("the contract's metadata: {e}")))
}

/// How to run `method`: the export and the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The export to run.
    pub entry: String,
    /// The call input.
    pub input: Vec<u8>,
}

/// Resolves `method` of a contract with `metadata` (if any) and encodes its arguments: `args`
/// (already SCALE-encoded, from `--args`) or `json_args` (named by the metadata's argument
/// names, or a positional array), not both.
pub fn resolve(
    metadata: Option<&Metadata>,
    method: &str,
    args: Vec<u8>,
    json_args: Option<&str>,
) -> Result<Resolved, ContractError> {
    let Some(meta) = metadata else {
        if json_args.is_some() {
            return Err(ContractError::Input(
                "--json-args needs contract metadata (an SDK contract); use --args".into(),
            ));
        }
        // Not an SDK contract we can describe: the method is the export; if the module has no
        // such export, `call_with_selector_fallback` retries through `call`.
        return Ok(Resolved { entry: method.into(), input: args });
    };
    let Some(m) = meta.methods.iter().find(|m| m.name == method) else {
        if method == "call" || method == "deploy" {
            return Ok(Resolved { entry: method.into(), input: args });
        }
        let names: Vec<&str> = meta.methods.iter().map(|m| m.name.as_str()).collect();
        return Err(ContractError::Input(format!(
            "contract {} has no method `{method}`; its methods: {}",
            meta.contract,
            names.join(", ")
        )));
    };
    let encoded = match json_args {
        Some(text) => encode_json_args(meta, m, text)?,
        None => args,
    };
    let input = if matches!(m.kind, MethodKind::Init | MethodKind::Migrate) {
        encoded
    } else {
        [&m.selector[..], &encoded[..]].concat()
    };
    Ok(Resolved { entry: m.entry().to_string(), input })
}

/// SCALE-encodes named (or positional) JSON arguments by the method's declared types (their
/// definitions in the metadata's type registry).
pub fn encode_json_args(meta: &Metadata, method: &MethodInfo, text: &str) -> Result<Vec<u8>, ContractError> {
    let value: Json =
        serde_json::from_str(text).map_err(|e| ContractError::Input(format!("--json-args is not JSON: {e}")))?;
    let sig = method.signature();
    let values: Vec<&Json> = match &value {
        Json::Object(map) => {
            if let Some(extra) = map.keys().find(|k| !method.args.iter().any(|a| a.name == **k)) {
                let names: Vec<&str> = method.args.iter().map(|a| a.name.as_str()).collect();
                return Err(ContractError::Input(format!(
                    "method `{}` has no argument `{extra}`; its arguments: {} (`{sig}`)",
                    method.name,
                    if names.is_empty() { "none".to_string() } else { names.join(", ") }
                )));
            }
            method
                .args
                .iter()
                .map(|a| {
                    map.get(&a.name).ok_or_else(|| {
                        ContractError::Input(format!(
                            "missing argument `{}` of method `{}` (`{sig}`)",
                            a.name, method.name
                        ))
                    })
                })
                .collect::<Result<_, _>>()?
        }
        Json::Array(items) => items.iter().collect(),
        _ => return Err(ContractError::Input("--json-args must be an object or an array".into())),
    };
    if values.len() != method.args.len() {
        return Err(ContractError::Input(format!(
            "method `{}` takes {} arguments, got {} (`{sig}`)",
            method.name,
            method.args.len(),
            values.len()
        )));
    }
    let mut out = Vec::new();
    for (arg, v) in method.args.iter().zip(values) {
        json::encode(&meta.types, arg.ty, v, &mut out).map_err(|e| {
            ContractError::Input(format!("argument `{}` ({}) of `{}`: {e}", arg.name, arg.type_name, method.name))
        })?;
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use tally_sdk_build::{ArgInfo, MethodKind, ReturnInfo, TypeCollector};

    use super::*;

    fn method(types: &mut TypeCollector, name: &str, kind: MethodKind, args: &[(&str, &str, u32)]) -> MethodInfo {
        let _ = types;
        MethodInfo {
            name: name.into(),
            kind,
            selector: tally_digest::selector(name),
            args: args
                .iter()
                .map(|(n, t, ty)| ArgInfo { name: (*n).into(), type_name: (*t).into(), ty: *ty })
                .collect(),
            returns: None,
        }
    }

    /// A token-like contract: `init(supply: u128)`, `transfer(to: Address, value: u128) ->
    /// Result<(), u8>`, `balance_of(owner: Address) -> u128` (a view). The address type is
    /// `[u8; 32]`, which encodes as `Address` does.
    pub(crate) fn token_meta() -> Metadata {
        let mut types = TypeCollector::new();
        let (addr, u128_ty) = (types.ty::<[u8; 32]>(), types.ty::<u128>());
        let init = method(&mut types, "init", MethodKind::Init, &[("supply", "u128", u128_ty)]);
        let mut transfer =
            method(&mut types, "transfer", MethodKind::Call, &[("to", "Address", addr), ("value", "u128", u128_ty)]);
        transfer.returns =
            Some(ReturnInfo { type_name: "Result<(), u8>".into(), ok: types.ty::<()>(), err: Some(types.ty::<u8>()) });
        let mut balance_of = method(&mut types, "balance_of", MethodKind::View, &[("owner", "Address", addr)]);
        balance_of.returns = Some(ReturnInfo { type_name: "u128".into(), ok: u128_ty, err: None });
        let dispatch_error = types.ty::<u8>();
        let meta = Metadata {
            contract: "Token".into(),
            module: "token".into(),
            storage: vec![],
            methods: vec![init, transfer, balance_of],
            events: vec![],
            dispatch_error,
            types: types.finish(),
        };
        Metadata::parse(&meta.to_section()).expect("valid")
    }

    #[test]
    fn methods_resolve_to_entry_and_selector() {
        let meta = token_meta();
        let to = format!("0x{}", "11".repeat(32));
        let r = resolve(Some(&meta), "transfer", vec![], Some(&format!(r#"{{"to":"{to}","value":"5"}}"#))).unwrap();
        assert_eq!(r.entry, "call");
        let mut want = vec![0xb4, 0x83, 0xaf, 0xd3];
        want.extend_from_slice(&[0x11; 32]);
        want.extend_from_slice(&5u128.to_le_bytes());
        assert_eq!(r.input, want);
        let positional = resolve(Some(&meta), "transfer", vec![], Some(&format!(r#"["{to}", 5]"#))).unwrap();
        assert_eq!(positional, r);
        let init = resolve(Some(&meta), "init", vec![], Some(r#"{"supply": 1000}"#)).unwrap();
        assert_eq!(init, Resolved { entry: "deploy".into(), input: 1000u128.to_le_bytes().to_vec() });
    }

    #[test]
    fn mistakes_are_named() {
        let meta = token_meta();
        let err = |m: &str, j: &str| resolve(Some(&meta), m, vec![], Some(j)).unwrap_err().to_string();
        assert_eq!(err("nope", "{}"), "contract Token has no method `nope`; its methods: init, transfer, balance_of");
        assert!(err("transfer", r#"{"to":"0x11"}"#).contains("missing argument `value`"));
        assert!(
            err("transfer", r#"{"to":"0x11","value":1,"x":2}"#).contains("no argument `x`; its arguments: to, value")
        );
        assert_eq!(
            err("transfer", r#"{"to":"0x11","value":1}"#),
            "argument `to` (Address) of `transfer`: expected exactly 32 bytes, got 1"
        );
        assert!(err("init", r#"{"supply":-1}"#).contains("out of range"));
        assert!(resolve(None, "transfer", vec![], Some("{}")).is_err());
    }
}
