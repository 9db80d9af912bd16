//! A contract that makes a million host calls in one frame runs on a small native stack: host
//! calls return to the interpreter's dispatch without growing the native stack.

use crate::common;

use common::*;
use tally_host_env::*;

const HOST_CALL_LOOP: &str = r#"(module
  (import "tally_host_v1" "block_height" (func $height (result i64)))
  (func (export "run") (local $i i32) (local $sum i64)
    (loop $l
      (local.set $sum (i64.add (local.get $sum) (call $height)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 1000000))))))"#;

#[test]
fn a_million_host_calls_in_one_frame_on_a_small_native_stack() {
    let run = || {
        let chain = Chain::memory();
        let c = chain.deploy(HOST_CALL_LOOP, addr(1));
        let mut req = chain.req(c, "run", &[]);
        req.gas_limit = u64::MAX / 2;
        let r = chain.rt.call(&chain.storage, &req).unwrap();
        assert_eq!(r.status, Status::Ok, "{r:?}");
        assert!(r.gas_used > 1_000_000 * chain.rt.params().host.base);
    };
    // Deploying and loading need some stack of their own (wasmparser, the translator); the
    // million calls must need none on top.
    std::thread::Builder::new().stack_size(1 << 20).spawn(run).unwrap().join().unwrap();
}
