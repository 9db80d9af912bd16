;; A counter contract, for the `tally deploy` → `call` → `replay` walkthrough in README.md.
;;
;; Methods (exported functions with no params and no results; input and output go through the
;; host ABI `tally_host_v1`):
;;   inc   adds 1
;;   add   adds its input, a SCALE u64 (`--args u64:5`); reverts unless the input is 8 bytes
;;   get   returns the value
;;   fail  writes 99, then reverts with "fail: reverted": nothing is kept
;; `inc` and `add` emit an event (one topic; data = the new value), log a line and return the
;; new value. Values are u64 little-endian (= SCALE u64).
(module
  (import "tally_host_v1" "storage_read" (func $sread (param i32 i32 i32 i32 i32) (result i32)))
  (import "tally_host_v1" "storage_write" (func $swrite (param i32 i32 i32 i32)))
  (import "tally_host_v1" "input_len" (func $ilen (result i32)))
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (import "tally_host_v1" "return_set" (func $ret (param i32 i32)))
  (import "tally_host_v1" "revert" (func $revert (param i32 i32)))
  (import "tally_host_v1" "emit_event" (func $emit (param i32 i32 i32 i32)))
  (import "tally_host_v1" "debug_log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "n")
  (data (i32.const 16) "counter bumped")
  (data (i32.const 32) "expected a u64")
  (data (i32.const 48) "fail: reverted")
  (data (i32.const 128) "tally/example/counter/bumped____")

  ;; The stored value (0 when unset).
  (func $load (result i64)
    (if (i32.eq (call $sread (i32.const 0) (i32.const 1) (i32.const 64) (i32.const 8) (i32.const 0))
                (i32.const -1))
      (then (return (i64.const 0))))
    (i64.load (i32.const 64)))

  ;; Stores `v`, emits the event, logs, and returns `v`.
  (func $bump (param $v i64)
    (i64.store (i32.const 64) (local.get $v))
    (call $swrite (i32.const 0) (i32.const 1) (i32.const 64) (i32.const 8))
    (call $emit (i32.const 128) (i32.const 1) (i32.const 64) (i32.const 8))
    (call $log (i32.const 16) (i32.const 14))
    (call $ret (i32.const 64) (i32.const 8)))

  (func (export "inc")
    (call $bump (i64.add (call $load) (i64.const 1))))

  (func (export "add")
    (if (i32.ne (call $ilen) (i32.const 8))
      (then (call $revert (i32.const 32) (i32.const 14))))
    (call $iread (i32.const 96) (i32.const 0) (i32.const 8))
    (call $bump (i64.add (call $load) (i64.load (i32.const 96)))))

  (func (export "get")
    (i64.store (i32.const 64) (call $load))
    (call $ret (i32.const 64) (i32.const 8)))

  (func (export "fail")
    (i64.store (i32.const 64) (i64.const 99))
    (call $swrite (i32.const 0) (i32.const 1) (i32.const 64) (i32.const 8))
    (call $revert (i32.const 48) (i32.const 14)))
)
