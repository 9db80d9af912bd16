//! TestChain itself: accounts, blocks, snapshots, records and replay, trap reports, gas limits
//! and the gas report.

use pool::pool::PoolClient;
use probe::probe::Context;
use token::token::TokenClient;

use crate::common::*;

#[test]
fn accounts_are_deterministic_and_distinct() {
    assert_eq!(TestChain::account("alice"), TestChain::alice());
    assert_eq!(
        TestChain::alice().0,
        tally_sdk::selector::const_keccak256(b"tally/test-account/alice"),
        "keccak256(\"tally/test-account/\" ‖ name)"
    );
    assert_ne!(TestChain::alice(), TestChain::bob());
    assert_ne!(TestChain::bob(), TestChain::carol());
}

#[test]
fn contracts_see_the_block_context() {
    let mut chain = TestChain::new();
    let p = chain.deploy(&example("probe"), TestChain::alice(), ()).unwrap();
    let bob = TestChain::bob();
    let context = |chain: &mut TestChain| chain.call::<Context>(bob, &p, "context", ()).unwrap();
    assert_eq!(
        context(&mut chain),
        Context { height: 1, time: 0, chain_id: 1, caller: bob, this: p.address(), origin: bob }
    );
    chain.set_block(7, 1_700_000_000);
    chain.set_chain_id(42);
    let c = context(&mut chain);
    assert_eq!((c.height, c.time, c.chain_id), (7, 1_700_000_000, 42));
    chain.advance(3, 36);
    let c = context(&mut chain);
    assert_eq!((c.height, c.time), (10, 1_700_000_036));
    assert_eq!(chain.block(), &BlockContext { height: 10, time: 1_700_000_036, chain_id: 42 });
    // Queries run as any caller; `query` uses the zero address.
    assert_eq!(chain.query_as::<Context>(bob, &p, "context", ()).unwrap().caller, bob);
    assert_eq!(chain.query::<Context>(&p, "context", ()).unwrap().caller, Address::default());
}

#[test]
fn snapshots_roll_back_state_and_block() {
    let (mut chain, token) = token_chain();
    let (alice, bob) = (TestChain::alice(), TestChain::bob());
    let before = chain.snapshot();
    chain.call::<()>(alice, &token, "transfer", (bob, 10u128)).unwrap();
    chain.advance(1, 5);
    let second = chain.deploy(&example("token"), bob, ("B".to_string(), "B".to_string(), 0u8, 7u128)).unwrap();
    assert_ne!(chain.snapshot(), before);

    chain.rollback(&before);
    assert_eq!(chain.snapshot(), before);
    assert_eq!(chain.block(), before.block());
    assert_eq!(chain.query::<u128>(&token, "balance_of", (bob,)).unwrap(), 0);
    // The second token is gone with its code and account.
    let f = chain.query::<u128>(&second, "total_supply", ()).unwrap_err();
    assert!(matches!(f.kind(), FailureKind::Status), "{f:?}");
    assert_eq!(f.status(), Some(Status::NoSuchContract), "{f:?}");
    // Replaying history from the snapshot gives the same results, gas and addresses.
    chain.call::<()>(alice, &token, "transfer", (bob, 10u128)).unwrap();
    let again = chain.deploy(&example("token"), bob, ("B".to_string(), "B".to_string(), 0u8, 7u128)).unwrap();
    assert_eq!(again.address(), second.address());
    // A snapshot can be restored more than once.
    chain.rollback(&before);
    chain.rollback(&before);
    assert_eq!(chain.snapshot(), before);
}

#[test]
fn recorded_executions_replay_identically() {
    let (mut chain, token) = token_chain();
    let (alice, bob) = (TestChain::alice(), TestChain::bob());

    // A call.
    chain.record_next().call::<()>(alice, &token, "transfer", (bob, 5u128)).unwrap();
    let record = chain.last_record().expect("recorded").clone();
    let receipt = chain.last_receipt().unwrap().clone();
    assert_eq!(record.outcome, receipt);
    assert_eq!(chain.replay(&record), Ok(receipt.clone()));
    // Only the next execution is recorded.
    chain.call::<()>(alice, &token, "transfer", (bob, 5u128)).unwrap();
    assert!(chain.last_record().is_none());
    // The record survives encoding, and replays on a fresh chain: it carries its read set.
    let bytes = record.to_bytes();
    let decoded = ExecutionRecord::from_bytes(&bytes).unwrap();
    assert_eq!(TestChain::new().replay(&decoded), Ok(receipt));

    // A failed call and a query replay too.
    let f = chain.record_next().call::<()>(bob, &token, "transfer", (alice, 1_000u128)).unwrap_err();
    assert_eq!(chain.replay(chain.last_record().unwrap()).map(|r| r.status), Ok(Status::Reverted));
    assert_eq!(chain.last_record().unwrap().outcome.gas_used, f.gas_used());
    chain.record_next().query::<u128>(&token, "balance_of", (bob,)).unwrap();
    assert!(chain.replay(chain.last_record().unwrap()).is_ok());

    // A deployment.
    chain.record_next().deploy(&example("probe"), alice, ()).unwrap();
    let deployed = chain.last_record().unwrap().clone();
    assert_eq!(chain.replay(&deployed).as_ref(), Ok(chain.last_receipt().unwrap()));

    // A tampered record diverges, and says where.
    let mut tampered = record.clone();
    tampered.outcome.gas_used += 1;
    match chain.replay(&tampered) {
        Err(Divergence::Outcome { field: "gas_used", .. }) => {}
        other => panic!("expected a gas divergence, got {other:?}"),
    }
    let mut tampered = record;
    tampered.read_set.retain(|(k, _)| !k.starts_with(b"s:"));
    assert!(matches!(chain.replay(&tampered), Err(Divergence::ReadOutsideReadSet { .. })));
}

#[test]
fn a_trap_names_the_function_it_happened_in() {
    let mut chain = TestChain::new();
    let wasm = example("probe");
    let p = chain.deploy(&wasm, TestChain::alice(), ()).unwrap();
    let before = chain.snapshot();
    let f = chain.call::<()>(TestChain::bob(), &p, "trap", (5u32,)).unwrap_err();
    assert_eq!(f.wasm_trap(), Some(WasmTrap::Unreachable));
    assert_eq!(f.function_name(), Some("probe::probe::crash"), "{f:?}");
    let index = f.function_index().expect("function index");
    assert_eq!(p.function_name(index), Some("probe::probe::crash"));
    assert_eq!(
        f.to_string(),
        format!("trap trapped: unreachable in function {index} <probe::probe::crash> (gas used {})", f.gas_used())
    );
    assert!(f.gas_used() > 0 && f.gas_used() == chain.gas_used());
    // The receipt is the chain's own: the deployed code had no name section.
    assert_eq!(chain.last_receipt().unwrap().trap.as_ref().unwrap().function_name, None);
    assert_eq!(chain.snapshot(), before, "the write before the trap was rolled back");

    // Deployed with its name section, the host names the function itself (and deploying the
    // extra bytes costs more).
    let mut verbatim = TestChain::new();
    verbatim.set_strip_names(false);
    let q = verbatim.deploy(&wasm, TestChain::alice(), ()).unwrap();
    let f2 = verbatim.call::<()>(TestChain::bob(), &q, "trap", (5u32,)).unwrap_err();
    assert_eq!(f2.function_name(), Some("probe::probe::crash"));
    // The name section (which loads read: the host names functions from it) changes only the
    // code's load charge, by its length; the other custom sections kept are stored apart.
    let stored_len = |c: &TestChain, k: &Contract| {
        let key = [tally_host_env::keys::CODE, &k.code_hash()[..]].concat();
        c.storage_handle().get(&key).unwrap().expect("stored code").len() as u64
    };
    let extra_bytes = stored_len(&verbatim, &q) - stored_len(&chain, &p);
    let per_byte = verbatim.runtime().params().host.load_code_byte;
    assert_eq!(f2.gas_used() - f.gas_used(), extra_bytes * per_byte, "the name section changes only the load charge");
    let stats = |c: &TestChain| c.gas_stats().into_iter().find(|r| r.method == DEPLOY).unwrap().stats.min;
    assert!(stats(&verbatim) > stats(&chain));
}

#[test]
fn gas_limits_apply_to_every_execution() {
    let (mut chain, token) = token_chain();
    chain.set_gas_limit(1_000_000);
    let f = chain.call::<()>(TestChain::alice(), &token, "transfer", (TestChain::bob(), 1u128)).unwrap_err();
    assert_eq!(f.status(), Some(Status::OutOfGas));
    assert_eq!(f.gas_used(), 1_000_000);
    assert!(f.to_string().starts_with("transfer ran out of gas"), "{f}");
    chain.set_gas_limit(DEFAULT_GAS_LIMIT);
    chain.call::<()>(TestChain::alice(), &token, "transfer", (TestChain::bob(), 1u128)).unwrap();
}

/// The statistics of `contract`'s `method` on `chain`.
fn row_of(chain: &TestChain, contract: &str, method: &str) -> GasStats {
    chain.gas_stats().into_iter().find(|r| r.contract == contract && r.method == method).expect("a row").stats
}

/// A fixed workload over every example; its report is the "Contract gas (examples)" table of
/// BENCHMARKS.md. Regenerate with
/// `TALLY_GAS_REPORT=gas.md cargo test --release -p tally-sdk-testing --test examples gas_report`.
#[test]
fn gas_report_covers_every_method_called() {
    let mut chain = TestChain::new();
    let (alice, bob, carol) = (TestChain::alice(), TestChain::bob(), TestChain::carol());
    let token = chain.deploy(&example("token"), alice, ("Tally".to_string(), "TLY".to_string(), 18u8, SUPPLY)).unwrap();
    for view in ["name", "symbol", "total_supply"] {
        chain.call_raw(bob, token.address(), "call", sdk_input(view, &())).unwrap();
    }
    chain.query::<u8>(&token, "decimals", ()).unwrap();
    for i in 0..3u128 {
        chain.call::<()>(alice, &token, "transfer", (bob, 10 + i)).unwrap();
        chain.call::<()>(alice, &token, "approve", (carol, 100u128)).unwrap();
        chain.call::<()>(carol, &token, "transfer_from", (alice, TestChain::account("dave"), 5u128)).unwrap();
        chain.query::<u128>(&token, "balance_of", (bob,)).unwrap();
        chain.query::<u128>(&token, "allowance", (alice, carol)).unwrap();
    }
    // A failed transfer is not counted.
    chain.call::<()>(carol, &token, "transfer", (bob, 1u128)).unwrap_err();

    let (buyer, seller) = (TestChain::account("buyer"), TestChain::account("seller"));
    chain.call::<()>(alice, &token, "transfer", (buyer, 1_200u128)).unwrap();
    for end in ["release", "refund"] {
        let escrow = chain.deploy(&example("escrow"), carol, (token.address(), buyer, seller, 600u128)).unwrap();
        chain.call::<()>(buyer, &token, "approve", (escrow.address(), 600u128)).unwrap();
        chain.call::<()>(buyer, &escrow, "fund", ()).unwrap();
        chain.query::<u8>(&escrow, "state", ()).unwrap();
        chain.call::<()>(carol, &escrow, end, ()).unwrap();
    }

    let caller = chain.deploy(&example("caller"), alice, ()).unwrap();
    let callee = chain.deploy(&example("callee"), alice, ()).unwrap();
    chain.call::<u64>(bob, &caller, "bump", (callee.address(), 1u64, u64::MAX)).unwrap();
    chain.call::<u32>(bob, &caller, "try_fail", (callee.address(), 7u32)).unwrap();
    chain.call::<u64>(bob, &caller, "reenter", (callee.address(), true)).unwrap();
    chain.call::<u64>(bob, &callee, "bump", (2u64,)).unwrap();
    chain.query::<u64>(&callee, "get", ()).unwrap();

    // The AMM on a chain of its own, so that the token rows stay the token workload above; its
    // Pool rows join the report. Through the typed clients.
    let mut amm = TestChain::new();
    let token_code = example("token");
    let a = TokenClient::deploy(&mut amm, &token_code, alice, "A".into(), "A".into(), 18, SUPPLY).unwrap();
    let b = TokenClient::deploy(&mut amm, &token_code, alice, "B".into(), "B".into(), 18, SUPPLY).unwrap();
    let pool = PoolClient::deploy(&mut amm, &example("pool"), alice, a.address(), b.address()).unwrap().unwrap();
    let p = pool.address();
    for t in [a, b] {
        t.call(&mut amm, alice).approve(p, 600_000).unwrap().unwrap();
        t.call(&mut amm, alice).transfer(bob, 3_000).unwrap().unwrap();
        t.call(&mut amm, bob).approve(p, 3_000).unwrap().unwrap();
    }
    pool.call(&mut amm, alice).add_liquidity(100_000, 400_000).unwrap().unwrap();
    pool.call(&mut amm, alice).add_liquidity(50_000, 200_000).unwrap().unwrap();
    for _ in 0..2 {
        pool.call(&mut amm, bob).swap(a.address(), 1_000, 0).unwrap().unwrap();
        pool.call(&mut amm, bob).swap(b.address(), 1_000, 0).unwrap().unwrap();
    }
    pool.query(&mut amm).quote(a.address(), 1_000).unwrap().unwrap();
    pool.query(&mut amm).reserves().unwrap();
    pool.query(&mut amm).holdings().unwrap().unwrap();
    pool.call(&mut amm, alice).remove_liquidity(100_000).unwrap().unwrap();
    let pool_rows: Vec<GasRow> = amm.gas_stats().into_iter().filter(|r| r.contract == "Pool").collect();
    let names: Vec<&str> = pool_rows.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(names, [DEPLOY, "add_liquidity", "holdings", "quote", "remove_liquidity", "reserves", "swap"]);
    assert_eq!(pool_rows[6].stats.count, 4);
    // A swap is the pool's call plus two token calls, each loading its code, in one transaction:
    // it pays one commit where the two token calls on their own pay one each.
    let swap = pool_rows[6].stats;
    let commit = tally_host_env::HostCosts::default().commit;
    assert!(swap.min + commit > row_of(&chain, "Token", "transfer_from").min + row_of(&chain, "Token", "transfer").min);

    let report = chain.gas_report();
    println!("{report}");
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0].split_whitespace().collect::<Vec<_>>(), ["contract", "method", "calls", "min", "max", "mean"]);
    assert!(lines[1].chars().all(|c| c == '-' || c == ' '));
    let rows = chain.gas_stats();
    assert_eq!(lines.len(), 2 + rows.len());
    let names: Vec<(&str, &str)> = rows.iter().map(|r| (r.contract.as_str(), r.method.as_str())).collect();
    assert_eq!(
        names,
        [
            ("Callee", DEPLOY),
            ("Callee", "bump"),
            ("Callee", "get"),
            ("Caller", DEPLOY),
            ("Caller", "bump"),
            ("Caller", "reenter"),
            ("Caller", "try_fail"),
            ("Escrow", DEPLOY),
            ("Escrow", "fund"),
            ("Escrow", "refund"),
            ("Escrow", "release"),
            ("Escrow", "state"),
            ("Token", DEPLOY),
            ("Token", "allowance"),
            ("Token", "approve"),
            ("Token", "balance_of"),
            ("Token", "decimals"),
            ("Token", "name"),
            ("Token", "symbol"),
            ("Token", "total_supply"),
            ("Token", "transfer"),
            ("Token", "transfer_from"),
        ]
    );
    let row = |c: &str, m: &str| rows.iter().find(|r| r.contract == c && r.method == m).unwrap().stats;
    assert_eq!(row("Token", "transfer").count, 4, "the failed transfer is not counted");
    assert_eq!(row("Escrow", DEPLOY).count, 2);
    for r in &rows {
        let s = r.stats;
        assert!(s.count > 0 && s.min <= s.mean() && s.mean() <= s.max, "{r:?}");
        // Each row's numbers appear in the text table.
        assert!(
            lines.iter().any(|l| l.split_whitespace().collect::<Vec<_>>()
                == [
                    r.contract.as_str(),
                    r.method.as_str(),
                    &s.count.to_string(),
                    &s.min.to_string(),
                    &s.max.to_string(),
                    &s.mean().to_string()
                ]),
            "{r:?}"
        );
    }
    // Cross-contract work is part of the top-level call.
    assert!(row("Escrow", "fund").min > row("Token", "transfer_from").min);

    let markdown = chain.gas_report_markdown();
    assert!(markdown.starts_with("| contract | method | calls | min | max | mean |\n|---|---|---:|---:|---:|---:|\n"));
    assert_eq!(markdown.lines().count(), 2 + rows.len());
    assert!(markdown.contains(&format!("| Token | `transfer` | 4 | {} |", row("Token", "transfer").min)));
    // The report of BENCHMARKS.md: this chain's rows and the pool's, in label order.
    let mut all = rows.clone();
    all.extend(pool_rows);
    all.sort_by(|x, y| (&x.contract, &x.method).cmp(&(&y.contract, &y.method)));
    let markdown = gas_markdown(&all);
    assert_eq!(markdown.lines().count(), 2 + rows.len() + 7);
    if let Some(path) = std::env::var_os("TALLY_GAS_REPORT") {
        std::fs::write(&path, &markdown).expect("write the gas report");
    }
    chain.reset_gas_stats();
    assert!(chain.gas_report().lines().count() == 2);
}
