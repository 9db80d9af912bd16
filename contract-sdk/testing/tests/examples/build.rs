//! The built examples pass the deploy-time checks and carry their metadata.

use parity_scale_codec::Encode;
use tally_sdk::Address;
use tally_sdk_build::value;

use crate::common::*;

#[test]
fn examples_pass_the_runtime_check_with_only_host_imports_and_their_entry_points() {
    let chain = TestChain::new();
    for name in tally_sdk_build::EXAMPLES {
        let code = strip_names(&example(name));
        let report = chain.runtime().check(&code).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(report.imports.iter().all(|(m, _)| m == "tally_host_v1"), "{name}: {:?}", report.imports);
        let mut methods = report.methods.clone();
        methods.sort();
        // A `#[migrate]` method adds the `migrate` export.
        let want: &[&str] = if name == "upgraded" { &["call", "deploy", "migrate"] } else { &["call", "deploy"] };
        assert_eq!(methods, want, "{name}");
        assert!(report.exports.contains(&"memory".to_string()), "{name}");
        // Small code: deployments and cross-contract calls pay per code byte.
        assert!(code.len() < 40_000, "{name} is {} bytes", code.len());
        // One initial memory page (paid at every instantiation): the 32 KiB stack, the data and
        // the start of the heap share it.
        assert_eq!(initial_pages(&code), 1, "{name}");
        // Built with names for the tests; deployed without them.
        assert!(!function_names(&example(name)).is_empty(), "{name}");
        assert!(function_names(&code).is_empty(), "{name}");
        assert_eq!(tally_sdk_build::read_metadata(&code), tally_sdk_build::read_metadata(&example(name)));
    }
}

#[test]
fn metadata_section_describes_methods_events_storage_and_every_type() {
    let code = example("token");
    let section = tally_sdk_build::read_metadata(&code).expect("tally.metadata section");
    // The section is what the contract's own `metadata()` gives natively (the generator ran it).
    assert_eq!(section, token::token::metadata().to_section());
    let m = tally_sdk_build::metadata_of(&code).expect("well-formed").expect("present");
    assert_eq!((m.contract.as_str(), m.module.as_str()), ("Token", "token"));
    let names: Vec<&str> = m.methods.iter().map(|x| x.name.as_str()).collect();
    let want = [
        "init",
        "name",
        "symbol",
        "decimals",
        "total_supply",
        "balance_of",
        "allowance",
        "transfer",
        "approve",
        "transfer_from",
    ];
    assert_eq!(names, want);
    for x in &m.methods {
        assert_eq!(x.selector, tally_sdk::selector(&x.name), "{}", x.name);
    }
    let transfer = m.method("transfer").expect("transfer");
    assert_eq!((transfer.kind, transfer.mutates(), transfer.entry()), (MethodKind::Call, true, "call"));
    assert_eq!(transfer.signature(), "transfer(to: Address, value: u128)");
    let returns = transfer.returns.as_ref().expect("returns");
    assert_eq!(returns.type_name, "Result<(), Error>");
    assert_eq!((m.type_name(returns.ok), m.type_name(transfer.args[0].ty)), ("()".to_string(), "Address".to_string()));
    // The error type is defined, variants and all: revert data decodes by name.
    let show = |ty, data: &[u8]| value::decode_all(&m.types, ty, data).map(|v| v.to_string());
    let err = returns.err.expect("Result methods have an error type");
    assert_eq!(
        show(err, &token::token::Error::InsufficientAllowance.encode()),
        Ok("Error::InsufficientAllowance".into())
    );
    assert_eq!((m.methods[0].kind, m.methods[0].entry()), (MethodKind::Init, "deploy"));
    assert_eq!((m.methods[5].kind, m.methods[5].mutates()), (MethodKind::View, false));
    let transfer_event = &m.events[0];
    assert_eq!(
        (transfer_event.name.as_str(), &transfer_event.topics[..]),
        ("Transfer", &["from".to_string(), "to".to_string()][..])
    );
    let data = token::token::Transfer { from: Address([1; 32]), to: Address([2; 32]), value: 5 }.encode();
    assert_eq!(
        show(transfer_event.ty, &data),
        Ok(format!("Transfer {{ from: 0x{}, to: 0x{}, value: 5 }}", "01".repeat(32), "02".repeat(32)))
    );
    assert_eq!((m.storage[4].name.as_str(), m.storage[4].type_name.as_str()), ("balances", "Map<Address, u128>"));
    assert_eq!(m.storage[4].prefix, b"balances");

    // Nested: the pool's error holds the token's error and the SDK's `CallError`.
    let pool = tally_sdk_build::metadata_of(&example("pool")).expect("well-formed").expect("present");
    let swap_err = pool.method("swap").and_then(|s| s.returns.as_ref()).and_then(|r| r.err).expect("swap's error");
    let nested = pool::pool::Error::Token(token::token::Error::InsufficientAllowance).encode();
    assert_eq!(show_in(&pool, swap_err, &nested), "Error::Token(Error::InsufficientAllowance)");
    let call = pool::pool::Error::Call(tally_sdk::CallError::Reverted(vec![0xab])).encode();
    assert_eq!(show_in(&pool, swap_err, &call), "Error::Call(CallError::Reverted(0xab))");
    let dispatch = tally_sdk::dispatch::DispatchError::BadArguments(tally_sdk::selector("swap")).encode();
    assert_eq!(
        show_in(&pool, pool.dispatch_error, &dispatch),
        format!("DispatchError::BadArguments({})", tally_digest_hex(&tally_sdk::selector("swap")))
    );

    // TestChain's own reading of the same section.
    let (_, token) = token_chain();
    let meta = token.metadata().expect("metadata");
    assert_eq!(token.label(), "Token");
    assert_eq!(meta, &m);
    assert_eq!(meta.event_by_signature(&sig("Approval")).map(|e| e.name.as_str()), Some("Approval"));

    // Every example carries metadata equal to its native `metadata()`, and the instrumented
    // code keeps the section.
    let natives = [
        ("token", token::token::metadata()),
        ("escrow", escrow::escrow::metadata()),
        ("callee", callee::callee::metadata()),
        ("probe", probe::probe::metadata()),
        ("pool", pool::pool::metadata()),
    ];
    for (name, native) in natives {
        let parsed = tally_sdk_build::metadata_of(&example(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(parsed.as_ref(), Some(&native), "{name}");
    }
    assert!(tally_sdk_build::metadata_of(&example("caller")).expect("caller").is_some());
    let instrumented =
        tally_gas_injector::instrument(&code, &tally_gas_injector::Schedule::default()).expect("instrument");
    assert_eq!(tally_sdk_build::read_metadata(&instrumented), Some(section));
}

fn show_in(m: &Metadata, ty: u32, data: &[u8]) -> String {
    value::decode_all(&m.types, ty, data).map(|v| v.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

fn tally_digest_hex(bytes: &[u8]) -> String {
    tally_host_env::hex(bytes)
}

/// The minimum of memory 0, from the memory section (id 5).
fn initial_pages(wasm: &[u8]) -> u32 {
    fn leb(b: &[u8], p: &mut usize) -> u32 {
        let (mut r, mut shift) = (0u32, 0);
        loop {
            let x = b[*p];
            *p += 1;
            r |= u32::from(x & 0x7f) << shift;
            shift += 7;
            if x < 0x80 {
                return r;
            }
        }
    }
    let mut p = 8;
    while p < wasm.len() {
        let id = wasm[p];
        p += 1;
        let size = leb(wasm, &mut p) as usize;
        if id == 5 {
            let mut q = p;
            assert_eq!(leb(wasm, &mut q), 1, "one memory");
            q += 1; // limits flags
            return leb(wasm, &mut q);
        }
        p += size;
    }
    panic!("no memory section")
}
