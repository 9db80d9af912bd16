//! Contracts that create contracts (`factory`, `TokenRef::create`) and replace their own code
//! (`upgradable` → `upgraded`, `set_code` and `#[migrate]`), on the real pipeline, with replay.

use factory::factory::{Created, Error as FactoryError, FactoryClient, Outcome};
use tally_sdk::{abort_code, DeployError};
use token::token::{TokenClient, Transfer};
use upgradable::upgradable::{Error as UpgradeError, UpgradableClient};
use upgraded::upgraded::{Error as MigrationError, UpgradedClient};

use crate::common::*;

/// The token's code as the factory keeps it (without its name section).
fn token_code() -> Vec<u8> {
    strip_names(&example("token"))
}

fn factory(chain: &mut TestChain) -> FactoryClient {
    FactoryClient::deploy(chain, &example("factory"), TestChain::alice(), token_code()).unwrap()
}

#[test]
fn a_factory_creates_tokens_at_derived_addresses_with_their_init_arguments() {
    let mut chain = TestChain::new();
    let (alice, bob) = (TestChain::alice(), TestChain::bob());
    let f = factory(&mut chain);
    let salt = [7; 32];
    let a = f.call(&mut chain, bob).create_token(salt, "Made".into(), "MADE".into(), 6, 1_000).unwrap().unwrap();
    // keccak256("tally/create/v1" ‖ creator ‖ salt ‖ code hash): known in advance.
    assert_eq!(a, Address::derive_created(&f.address(), &salt, &tally_host_env::keccak(&token_code())));
    let token = TokenClient::at(a);
    // Events of the creating execution: the token's init minted to its deployer, the factory,
    // which handed the supply over.
    assert_eq!(
        token.events::<Transfer>(&chain),
        [
            Transfer { from: Address::ZERO, to: f.address(), value: 1_000 },
            Transfer { from: f.address(), to: bob, value: 1_000 }
        ]
    );
    assert_eq!(f.events::<Created>(&chain), [Created { token: a, owner: bob, supply: 1_000 }]);
    assert_eq!(token.query(&mut chain).name().unwrap(), "Made");
    assert_eq!(token.query(&mut chain).decimals().unwrap(), 6);
    assert_eq!(token.query(&mut chain).balance_of(bob).unwrap(), 1_000);
    assert_eq!(token.query(&mut chain).balance_of(f.address()).unwrap(), 0);
    // TestChain knows the created contract by its metadata.
    assert_eq!(chain.contract(a).map(|c| c.label()), Some("Token"));
    token.call(&mut chain, bob).transfer(alice, 10).unwrap().unwrap();
    assert!(chain.gas_stats().iter().any(|r| r.contract == "Token" && r.method == "transfer"));

    // The same salt and code again: the address is taken, and nothing changes.
    let before = chain.snapshot();
    let again = f.call(&mut chain, alice).create_token(salt, "X".into(), "X".into(), 0, 5).unwrap();
    assert_eq!(again, Err(FactoryError::Deploy(DeployError::AddressTaken(a))));
    assert!(chain.snapshot() == before);
    // Another salt, another token.
    let b = f.call(&mut chain, alice).create_token([8; 32], "B".into(), "B".into(), 0, 5).unwrap().unwrap();
    assert_ne!(a, b);
    assert_eq!(f.query(&mut chain).created().unwrap(), [a, b]);
    assert_eq!(TokenClient::at(b).query(&mut chain).balance_of(alice).unwrap(), 5);
}

#[test]
fn a_failed_creation_leaves_nothing_of_the_child_and_the_creator_goes_on() {
    let mut chain = TestChain::new();
    let alice = TestChain::alice();
    let f = factory(&mut chain);
    let code = token_code();
    let args = ("T".to_string(), "T".to_string(), 0u8, 9u128).encode();
    let raw = |chain: &mut TestChain, code: &[u8], salt: u8, entry: &str, input: &[u8], gas: u64| {
        f.call(chain, alice).create_raw(code.to_vec(), [salt; 32], entry.into(), input.to_vec(), gas).unwrap()
    };
    let at = |salt: u8, code: &[u8]| Address::derive_created(&f.address(), &[salt; 32], &tally_host_env::keccak(code));

    // The initializer reverts (no arguments: the dispatcher's BadArguments): its revert data comes
    // back, the child's account and writes are gone, and the factory's own write stays.
    let Outcome::Failed(e) = raw(&mut chain, &code, 1, "deploy", &[], u64::MAX) else { panic!("created") };
    let init = tally_sdk::selector("init");
    assert_eq!(e, DeployError::Reverted(DispatchError::BadArguments(init).revert_data()));
    assert!(chain.snapshot().entries().keys().all(|k| !k.ends_with(&at(1, &code).0)), "no account");
    assert_eq!(f.query(&mut chain).attempts().unwrap(), 1);
    // Nothing remained, so the same salt works once the arguments are right.
    assert_eq!(raw(&mut chain, &code, 1, "deploy", &args, u64::MAX), Outcome::Created(at(1, &code)));
    assert_eq!(TokenClient::at(at(1, &code)).query(&mut chain).total_supply().unwrap(), 9);

    // The initializer runs out of the gas it was given; the factory finishes.
    assert_eq!(raw(&mut chain, &code, 2, "deploy", &args, 1_000_000), Outcome::Failed(DeployError::OutOfGas));
    // Code the chain refuses, and an entry point the code lacks.
    assert_eq!(
        raw(&mut chain, b"\0asm\x01\0\0\0\x05", 3, "", &[], u64::MAX),
        Outcome::Failed(DeployError::InvalidCode)
    );
    assert_eq!(raw(&mut chain, &code, 4, "nope", &[], u64::MAX), Outcome::Failed(DeployError::NoSuchEntry));
    // No initializer at all: the contract exists with empty storage.
    assert_eq!(raw(&mut chain, &code, 5, "", &[], u64::MAX), Outcome::Created(at(5, &code)));
    assert_eq!(TokenClient::at(at(5, &code)).query(&mut chain).total_supply().unwrap(), 0);
    assert_eq!(f.query(&mut chain).attempts().unwrap(), 6);
}

#[test]
fn a_recorded_creation_replays() {
    let mut chain = TestChain::new();
    let f = factory(&mut chain);
    let bob = TestChain::bob();
    chain.record_next();
    let a = f.call(&mut chain, bob).create_token([1; 32], "R".into(), "R".into(), 0, 3).unwrap().unwrap();
    let record = chain.last_record().expect("recorded").clone();
    let receipt = chain.last_receipt().expect("receipt").clone();
    // The new account and its code (held by the factory until now) are in the write set: the
    // executable part and, apart, the custom sections (the metadata).
    let account_key = [tally_host_env::keys::ACCOUNT, &a.0[..]].concat();
    assert!(receipt.write_set.iter().any(|(k, v)| *k == account_key && v.is_some()));
    let code_hash = tally_host_env::keccak(&token_code());
    let parts = tally_host_env::sections::split(&token_code());
    assert!(!parts.custom.is_empty());
    let written = |prefix: &[u8]| {
        let key = [prefix, &code_hash[..]].concat();
        receipt.write_set.iter().find(|(k, _)| *k == key).and_then(|(_, v)| v.clone())
    };
    assert_eq!(written(tally_host_env::keys::CODE), Some(parts.executable));
    assert_eq!(written(tally_host_env::keys::CUSTOM), Some(parts.custom.encode()));
    let replayed = chain.replay(&record).expect("replays");
    assert_eq!(replayed.result_hash, receipt.result_hash);
    // A record whose creation says another address diverges.
    let mut forged = record.clone();
    forged.outcome.write_set.retain(|(k, _)| *k != account_key);
    assert!(chain.replay(&forged).is_err());
}

/// An `upgradable` counter deployed by alice, bumped twice.
fn counter(chain: &mut TestChain) -> UpgradableClient {
    let c = UpgradableClient::deploy(chain, &example("upgradable"), TestChain::alice()).unwrap();
    c.call(chain, TestChain::bob()).bump().unwrap();
    c.call(chain, TestChain::bob()).bump().unwrap();
    c
}

#[test]
fn the_owner_upgrades_and_the_migration_runs() {
    let mut chain = TestChain::new();
    let alice = TestChain::alice();
    let c = counter(&mut chain);
    let v2 = strip_names(&example("upgraded"));
    chain.record_next();
    assert_eq!(c.call(&mut chain, alice).upgrade(v2.clone(), 5).unwrap(), Ok(()));
    let record = chain.last_record().expect("recorded").clone();
    // Same address, new code: version 2's methods, version 1's count, the migration's step.
    let c2 = UpgradedClient::at(c.address());
    assert_eq!(c2.query(&mut chain).version().unwrap(), 2);
    assert_eq!(c2.query(&mut chain).count().unwrap(), 2);
    assert_eq!(c2.query(&mut chain).step().unwrap(), 5);
    assert_eq!(c2.call(&mut chain, alice).bump().unwrap(), 7);
    assert_eq!(chain.contract(c.address()).map(|x| x.label()), Some("Upgraded"));
    assert_eq!(chain.contract(c.address()).map(|x| x.code_hash()), Some(tally_host_env::keccak(&v2)));
    // The upgrade replays from its record.
    assert!(chain.replay(&record).is_ok());

    // Version 2 has no `upgrade`: the upgrade was its owner's last.
    let f = chain.call::<()>(alice, &chain.contract(c.address()).unwrap().clone(), "upgrade", (v2, 1u64));
    let f = f.unwrap_err();
    assert_eq!(f.status(), Some(Status::Reverted));
}

#[test]
fn refused_upgrades_leave_the_old_code() {
    let mut chain = TestChain::new();
    let (alice, bob) = (TestChain::alice(), TestChain::bob());
    let c = counter(&mut chain);
    let v2 = strip_names(&example("upgraded"));
    let before = chain.snapshot();
    let unchanged = |chain: &mut TestChain| {
        assert_eq!(c.query(chain).version().unwrap(), 1);
        assert_eq!(c.query(chain).count().unwrap(), 2);
    };

    // The contract's own rule: only the owner.
    assert_eq!(c.call(&mut chain, bob).upgrade(v2.clone(), 5).unwrap(), Err(UpgradeError::NotOwner));
    unchanged(&mut chain);
    // The migration refuses a zero step: its own error, and version 1 stays.
    let r = c.call(&mut chain, alice).upgrade(v2.clone(), 0).unwrap();
    let Err(UpgradeError::Upgrade(e)) = r else { panic!("{r:?}") };
    assert_eq!(e.revert_as::<MigrationError>(), Some(MigrationError::ZeroStep));
    unchanged(&mut chain);
    // Code without a `#[migrate]` method, and code the chain refuses.
    let token = token_code();
    assert_eq!(
        c.call(&mut chain, alice).upgrade(token, 5).unwrap(),
        Err(UpgradeError::Upgrade(DeployError::NoSuchEntry))
    );
    let bad = b"\0asm\x01\0\0\0\x05".to_vec();
    assert_eq!(
        c.call(&mut chain, alice).upgrade(bad, 5).unwrap(),
        Err(UpgradeError::Upgrade(DeployError::InvalidCode))
    );
    unchanged(&mut chain);
    assert!(chain.snapshot() == before, "refused upgrades commit nothing");

    // Running the migration directly is refused by the generated `migrate` export: only the
    // contract itself (through `set_code`) may.
    let direct = UpgradedClient::deploy(&mut chain, &example("upgraded"), alice).unwrap();
    let r = chain.call_raw(alice, direct.address(), "migrate", 9u64.encode()).unwrap();
    assert_eq!(r.status, Status::Aborted(abort_code::MIGRATE_NOT_SELF));
}
