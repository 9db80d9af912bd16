//! Custom sections stored apart from the executable part of code (`ABI.md`, "State layout"):
//! paid for at deploy, never read or paid for by a load, readable by tools from state and from
//! records, put back together exactly.

use crate::common;

use common::*;
use parity_scale_codec::Decode;
use tally_host_env::sections::{code_as_deployed, split, CustomSections};
use tally_host_env::*;

/// A custom section named `name` with `len` bytes of contents.
fn custom(name: &str, len: usize) -> Vec<u8> {
    let mut contents = leb(name.len());
    contents.extend_from_slice(name.as_bytes());
    contents.resize(contents.len() + len, 0xa5);
    [&[0][..], &leb(contents.len()), &contents].concat()
}

/// `n` as unsigned LEB128.
fn leb(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// `code` with `section` inserted right after the 8-byte header, and `tail` appended.
fn padded(code: &[u8], section: &[u8], tail: &[u8]) -> Vec<u8> {
    [&code[..8], section, &code[8..], tail].concat()
}

fn deploy(chain: &Chain, code: Vec<u8>, deployer: Address) -> Deployed {
    let req =
        DeployRequest { code, deployer, init: None, input: vec![], gas_limit: GAS, context: chain.context.clone() };
    let deployed = chain.rt.deploy(&chain.storage, &req).expect("deploy");
    assert_eq!(deployed.receipt.status, Status::Ok, "{:?}", deployed.receipt);
    deployed
}

fn account(chain: &Chain, address: &Address) -> Account {
    let raw = chain.storage.get(&[keys::ACCOUNT, &address.0[..]].concat()).unwrap().expect("account");
    Account::decode(&mut &raw[..]).unwrap()
}

fn get(chain: &Chain, prefix: &[u8], code_hash: &[u8; 32]) -> Option<Vec<u8>> {
    chain.storage.get(&[prefix, &code_hash[..]].concat()).unwrap()
}

#[test]
fn a_padded_custom_section_costs_deploy_bytes_but_not_load_bytes() {
    let chain = Chain::memory();
    let plain = wasm(COUNTER);
    let (front, back) = (custom("tally.metadata", 40_000), custom("producers", 300));
    let pad = padded(&plain, &front, &back);
    let extra = (front.len() + back.len()) as u64;
    let a = deploy(&chain, plain.clone(), addr(1));
    let b = deploy(&chain, pad.clone(), addr(2));
    let k = &chain.rt.params().host;
    assert_eq!(b.receipt.gas_used - a.receipt.gas_used, extra * k.deploy_code_byte, "deploying pays every byte");

    // Both accounts name the same executable part: the code without the two sections.
    let (ea, eb) = (account(&chain, &a.address), account(&chain, &b.address));
    assert_eq!((ea.code_len, eb.code_len), (plain.len() as u32, plain.len() as u32));
    assert_eq!(get(&chain, keys::CODE, &b.code_hash), Some(plain.clone()));
    assert_eq!(get(&chain, keys::CUSTOM, &a.code_hash), None, "no custom sections, no entry");
    let stored = CustomSections::decode(&mut &get(&chain, keys::CUSTOM, &b.code_hash).unwrap()[..]).unwrap();
    assert_eq!(
        stored.0.iter().map(|s| (s.at, s.bytes.clone())).collect::<Vec<_>>(),
        [(8, front), (plain.len() as u32, back)]
    );

    // A call loads (and pays for) the executable part only: the same gas on both.
    let (ra, rb) = (chain.call(a.address, "inc", &[]), chain.call(b.address, "inc", &[]));
    assert_eq!(rb.status, Status::Ok);
    assert_eq!(ra.gas_used, rb.gas_used, "the custom sections are not loaded");

    // The code as deployed comes back whole, and is what the code hash names.
    let read = |key: &[u8]| chain.storage.get(key);
    assert_eq!(code_as_deployed(&b.code_hash, read).unwrap(), Some(pad.clone()));
    assert_eq!(keccak(&pad), b.code_hash);
    assert_eq!(code_as_deployed(&a.code_hash, read).unwrap(), Some(plain));
    assert_eq!(code_as_deployed(&[7; 32], read).unwrap(), None);
}

#[test]
fn the_name_section_stays_in_the_loaded_code() {
    let named = wasm(r#"(module (memory 1) (func $boom (export "boom") unreachable))"#);
    assert!(split(&named).custom.is_empty(), "the name section is not taken out");
    // The same module whose name section is called otherwise: stored apart, not loaded.
    let at = named.windows(5).position(|w| w == b"\x04name").expect("a name section");
    let renamed = [&named[..at], b"\x04nome", &named[at + 5..]].concat();
    let section_len = split(&renamed).custom.len_bytes();
    assert!(section_len > 0);
    let chain = Chain::memory();
    let (a, b) = (deploy(&chain, named.clone(), addr(1)), deploy(&chain, renamed, addr(2)));
    assert_eq!(account(&chain, &a.address).code_len as usize, named.len());
    assert_eq!(account(&chain, &b.address).code_len as usize, named.len() - section_len);
    let (ra, rb) = (chain.call(a.address, "boom", &[]), chain.call(b.address, "boom", &[]));
    assert_eq!(
        (ra.status, rb.status),
        (Status::Trapped(WasmTrap::Unreachable), Status::Trapped(WasmTrap::Unreachable))
    );
    let k = &chain.rt.params().host;
    assert_eq!(ra.gas_used - rb.gas_used, section_len as u64 * k.load_code_byte, "loading pays for the name section");
    let name = |r: &Receipt| r.trap.as_ref().and_then(|t| t.function_name.clone());
    assert_eq!((name(&ra).as_deref(), name(&rb)), (Some("boom"), None), "the node names functions from it");
}

#[test]
fn records_carry_the_custom_sections_and_replay_identically() {
    let chain = Chain::memory();
    let pad = padded(&wasm(COUNTER), &custom("tally.metadata", 5_000), &[]);
    let d = deploy(&chain, pad.clone(), addr(1));
    let plain = deploy(&chain, wasm(PROXY), addr(1));
    for (contract, input) in [(d.address, vec![]), (plain.address, d.address.0.to_vec())] {
        let method = if contract == d.address { "inc" } else { "forward_inc" };
        let (receipt, record) = chain.rt.call_recorded(&chain.storage, &chain.req(contract, method, &input)).unwrap();
        assert_eq!(receipt.status, Status::Ok, "{method}");
        let key = [keys::CUSTOM, &d.code_hash[..]].concat();
        assert!(record.read_set.iter().any(|(k, v)| *k == key && v.is_some()), "{method}: the sections are recorded");
        let read = |key: &[u8]| Ok(record.read_set.iter().find(|(k, _)| k == key).and_then(|(_, v)| v.clone()));
        assert_eq!(code_as_deployed(&d.code_hash, read).unwrap(), Some(pad.clone()), "{method}");
        // The proxy has none: its entry is recorded absent.
        let none = [keys::CUSTOM, &plain.code_hash[..]].concat();
        assert_eq!(contract == plain.address, record.read_set.iter().any(|(k, v)| *k == none && v.is_none()));
        let decoded = ExecutionRecord::from_bytes(&record.to_bytes()).unwrap();
        assert_eq!(replay(&chain.rt, &decoded), Ok(receipt), "{method}");
    }
    // Unrecorded, a load does not read them.
    let (_, record) = chain.rt.call_recorded(&chain.storage, &chain.req(d.address, "get", &[])).unwrap();
    let mut without = record.clone();
    without.read_set.retain(|(k, _)| !k.starts_with(keys::CUSTOM));
    assert!(matches!(replay(&chain.rt, &without), Err(Divergence::ReadOutsideReadSet { .. })), "a replay records too");
    assert_eq!(replay(&chain.rt, &record).map(|r| r.status), Ok(Status::Ok));
}

#[test]
fn rejections_name_offsets_in_the_code_as_deployed() {
    let chain = Chain::memory();
    let section = custom("tally.metadata", 1_000);
    for (wat, what) in [
        (r#"(module (import "env" "f" (func)) (memory 1))"#, "an import"),
        (r#"(module (memory 1000))"#, "a code limit"),
        (r#"(module (func (drop (i32.const 1) (i32.const 2))))"#, "a body the validator refuses"),
    ] {
        let code = wasm(wat);
        let at = chain.rt.check(&code).expect_err(what).offset().expect(what);
        let pad = padded(&code, &section, &custom("tail", 10));
        let rejection = chain.rt.check(&pad).expect_err(what);
        assert_eq!(rejection.offset(), Some(at + section.len()), "{what}: {rejection}");
        let req = DeployRequest {
            code: pad,
            deployer: addr(1),
            init: None,
            input: vec![],
            gas_limit: GAS,
            context: chain.context.clone(),
        };
        let receipt = chain.rt.deploy(&chain.storage, &req).unwrap().receipt;
        assert_eq!(receipt.status, Status::InvalidCode, "{what}");
        let message = receipt.trap.and_then(|t| t.message).unwrap_or_default();
        assert!(message.contains(&format!("{:#x}", at + section.len())), "{what}: {message}");
    }
}

#[test]
fn check_reports_the_bytes_a_call_loads() {
    let chain = Chain::memory();
    let plain = wasm(COUNTER);
    let pad = padded(&plain, &custom("tally.metadata", 3_000), &[]);
    let report = chain.rt.check(&pad).unwrap();
    assert_eq!((report.size, report.loaded_size), (pad.len(), plain.len()));
    assert_eq!(report.code_hash, keccak(&pad));
}
