;; A minimal fungible token on the Tally host ABI v1, written by hand in WAT.
;; Balances are u64 LE under the 32-byte holder address.
;;   mint:     input = to (32 bytes) ‖ amount (u64 LE)      (anyone may mint: a benchmark fixture)
;;   transfer: input = to (32 bytes) ‖ amount (u64 LE)      reverts if the caller's balance is short
;;   balance:  input = holder (32 bytes); returns u64 LE
;; Memory: 0 caller, 32 recipient, 64 amount, 72 scratch balance.
(module
  (import "tally_host_v1" "input_read" (func $input_read (param i32 i32 i32)))
  (import "tally_host_v1" "caller" (func $caller (param i32)))
  (import "tally_host_v1" "storage_read" (func $storage_read (param i32 i32 i32 i32 i32) (result i32)))
  (import "tally_host_v1" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "tally_host_v1" "emit_event" (func $emit_event (param i32 i32 i32 i32)))
  (import "tally_host_v1" "return_set" (func $return_set (param i32 i32)))
  (import "tally_host_v1" "revert" (func $revert (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 128) "insufficient balance")

  (func $balance_of (param $holder i32) (result i64)
    (if (result i64)
        (i32.eq (call $storage_read (local.get $holder) (i32.const 32) (i32.const 72) (i32.const 8) (i32.const 0))
                (i32.const -1))
      (then (i64.const 0))
      (else (i64.load (i32.const 72)))))

  (func $set_balance (param $holder i32) (param $value i64)
    (i64.store (i32.const 72) (local.get $value))
    (call $storage_write (local.get $holder) (i32.const 32) (i32.const 72) (i32.const 8)))

  (func (export "mint")
    (call $input_read (i32.const 32) (i32.const 0) (i32.const 40))
    (call $set_balance (i32.const 32)
      (i64.add (call $balance_of (i32.const 32)) (i64.load (i32.const 64)))))

  (func (export "transfer") (local $from i64) (local $amount i64)
    (call $caller (i32.const 0))
    (call $input_read (i32.const 32) (i32.const 0) (i32.const 40))
    (local.set $amount (i64.load (i32.const 64)))
    (local.set $from (call $balance_of (i32.const 0)))
    (if (i64.lt_u (local.get $from) (local.get $amount))
      (then (call $revert (i32.const 128) (i32.const 20))))
    (call $set_balance (i32.const 0) (i64.sub (local.get $from) (local.get $amount)))
    (call $set_balance (i32.const 32) (i64.add (call $balance_of (i32.const 32)) (local.get $amount)))
    ;; Transfer(from, to) with the amount as data.
    (call $emit_event (i32.const 0) (i32.const 2) (i32.const 64) (i32.const 8)))

  (func (export "balance")
    (call $input_read (i32.const 32) (i32.const 0) (i32.const 32))
    (i64.store (i32.const 72) (call $balance_of (i32.const 32)))
    (call $return_set (i32.const 72) (i32.const 8)))
)
