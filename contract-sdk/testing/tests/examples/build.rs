//! The built examples pass the deploy-time checks and carry their metadata.

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
fn metadata_section_describes_methods_events_and_storage() {
    let code = example("token");
    let json = tally_sdk_build::read_metadata(&code).expect("tally.metadata section");
    let m: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(m["metadata_version"], 1);
    assert_eq!(m["abi"], "tally_host_v1");
    assert_eq!(m["contract"], "Token");
    let methods = m["methods"].as_array().expect("methods");
    let names: Vec<&str> = methods.iter().map(|x| x["name"].as_str().expect("name")).collect();
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
    for x in methods {
        let name = x["name"].as_str().expect("name");
        let sel = tally_sdk::selector(name);
        assert_eq!(x["selector"], format!("0x{:02x}{:02x}{:02x}{:02x}", sel[0], sel[1], sel[2], sel[3]), "{name}");
    }
    let transfer = &methods[7];
    assert_eq!(transfer["kind"], "call");
    assert_eq!(transfer["mutates"], true);
    assert_eq!(transfer["returns"], "Result<(), Error>");
    assert_eq!(
        transfer["args"],
        serde_json::json!([{"name": "to", "type": "Address"}, {"name": "value", "type": "u128"}])
    );
    assert_eq!(methods[0]["kind"], "init");
    assert_eq!(methods[0]["entry"], "deploy");
    assert_eq!(methods[5]["kind"], "view");
    assert_eq!(methods[5]["mutates"], false);
    let events = m["events"].as_array().expect("events");
    assert_eq!(events[0]["name"], "Transfer");
    assert_eq!(events[0]["fields"][0], serde_json::json!({"name": "from", "type": "Address", "topic": true}));
    assert_eq!(events[0]["fields"][2]["topic"], false);
    let storage = m["storage"].as_array().expect("storage");
    assert_eq!(
        storage[4],
        serde_json::json!({"field": "balances", "type": "Map<Address, u128>", "prefix": "0x62616c616e636573"})
    );

    // TestChain's own reading of the same section.
    let (_, token) = token_chain();
    let meta = token.metadata().expect("metadata");
    assert_eq!(token.label(), "Token");
    assert_eq!(meta.module, "token");
    assert_eq!(meta.methods.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), want);
    let t = meta.method("transfer").expect("transfer");
    assert_eq!((t.kind, t.selector, t.mutates), (MethodKind::Call, tally_sdk::selector("transfer"), true));
    assert_eq!(meta.method("balance_of").map(|m| m.kind), Some(MethodKind::View));
    assert_eq!(meta.event_by_signature(&sig("Approval")).map(|e| e.name.as_str()), Some("Approval"));

    // Every example carries metadata, and the instrumented code keeps the section.
    for name in tally_sdk_build::EXAMPLES {
        let json = tally_sdk_build::read_metadata(&example(name)).expect(name);
        Metadata::parse(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let instrumented =
        tally_gas_injector::instrument(&code, &tally_gas_injector::Schedule::default()).expect("instrument");
    assert_eq!(tally_sdk_build::read_metadata(&instrumented).as_deref(), Some(json.as_str()));
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
