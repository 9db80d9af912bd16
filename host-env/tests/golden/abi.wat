;; The golden gas vectors' hand-written contract (see ../golden_gas.rs): every host function of
;; `tally_host_v1`, the sized ones at their smallest and largest arguments, and the ways a host
;; call can fail.
;;
;; Memory (2 pages): 0..96 addresses (caller, self, origin); 100.. method names for `call`;
;; 200 the small key "k", 201 an absent key "z", 210 a one-byte value; 300..428 four topics;
;; 1024..2048 the input; 2048..2304 a key of the largest length (256); 3000..3034 the smallest
;; contract, 3100 a salt, 3200 a created address; 4096.. nested-call
;; statuses and return data; 65536..131072 a buffer of the largest value (64 KiB).
(module
  (import "tally_host_v1" "input_len" (func $input_len (result i32)))
  (import "tally_host_v1" "input_read" (func $input_read (param i32 i32 i32)))
  (import "tally_host_v1" "return_set" (func $return_set (param i32 i32)))
  (import "tally_host_v1" "revert" (func $revert (param i32 i32)))
  (import "tally_host_v1" "abort" (func $abort (param i32)))
  (import "tally_host_v1" "storage_read" (func $storage_read (param i32 i32 i32 i32 i32) (result i32)))
  (import "tally_host_v1" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "tally_host_v1" "storage_remove" (func $storage_remove (param i32 i32)))
  (import "tally_host_v1" "storage_has" (func $storage_has (param i32 i32) (result i32)))
  (import "tally_host_v1" "caller" (func $caller (param i32)))
  (import "tally_host_v1" "self_address" (func $self_address (param i32)))
  (import "tally_host_v1" "origin" (func $origin (param i32)))
  (import "tally_host_v1" "block_height" (func $block_height (result i64)))
  (import "tally_host_v1" "block_time" (func $block_time (result i64)))
  (import "tally_host_v1" "chain_id" (func $chain_id (result i64)))
  (import "tally_host_v1" "gas_left" (func $gas_left (result i64)))
  (import "tally_host_v1" "emit_event" (func $emit_event (param i32 i32 i32 i32)))
  (import "tally_host_v1" "keccak256" (func $keccak256 (param i32 i32 i32)))
  (import "tally_host_v1" "call" (func $call (param i32 i32 i32 i32 i32 i64 i32) (result i32)))
  (import "tally_host_v1" "return_data_len" (func $return_data_len (result i32)))
  (import "tally_host_v1" "return_data_read" (func $return_data_read (param i32 i32 i32)))
  (import "tally_host_v1" "debug_log" (func $debug_log (param i32 i32)))
  (import "tally_host_v1" "create" (func $create (param i32 i32 i32 i32 i32 i32 i32 i64 i32) (result i32)))
  (import "tally_host_v1" "set_code" (func $set_code (param i32 i32 i32 i32 i32 i32 i64) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 100) "context")
  (data (i32.const 110) "store_small")
  (data (i32.const 130) "missing")
  (data (i32.const 140) "spin")
  (data (i32.const 150) "deep")
  (data (i32.const 160) "revert_with")
  (data (i32.const 170) "init")
  (data (i32.const 200) "kz")
  (data (i32.const 210) "v")
  (data (i32.const 300) "topic-0")
  (data (i32.const 332) "topic-1")
  (data (i32.const 364) "topic-2")
  (data (i32.const 396) "topic-3")
  ;; The smallest contract: `(module (func (export "init")))`, 34 bytes.
  (data (i32.const 3000) "\00asm\01\00\00\00\01\04\01\60\00\00\03\02\01\00\07\08\01\04init\00\00\0a\04\01\02\00\0b")

  ;; The initializer: one write, one event.
  (func (export "init")
    (call $storage_write (i32.const 200) (i32.const 1) (i32.const 210) (i32.const 1))
    (call $emit_event (i32.const 300) (i32.const 1) (i32.const 210) (i32.const 1)))

  ;; Everything the context tells a contract, and the input echoed back.
  (func (export "context")
    (call $caller (i32.const 0))
    (call $self_address (i32.const 32))
    (call $origin (i32.const 64))
    (drop (call $block_height))
    (drop (call $block_time))
    (drop (call $chain_id))
    (drop (call $gas_left))
    (drop (call $gas_left))
    (call $input_read (i32.const 1024) (i32.const 0) (call $input_len))
    (call $input_read (i32.const 1024) (i32.const 0) (i32.const 0))
    (call $return_set (i32.const 1024) (call $input_len)))

  ;; One-byte key and value: write, has, read (whole, part, nothing), absent key, remove.
  (func (export "store_small")
    (call $storage_write (i32.const 200) (i32.const 1) (i32.const 210) (i32.const 1))
    (drop (call $storage_has (i32.const 200) (i32.const 1)))
    (drop (call $storage_read (i32.const 200) (i32.const 1) (i32.const 4096) (i32.const 1) (i32.const 0)))
    (drop (call $storage_read (i32.const 200) (i32.const 1) (i32.const 4096) (i32.const 0) (i32.const 1)))
    (drop (call $storage_read (i32.const 201) (i32.const 1) (i32.const 4096) (i32.const 1) (i32.const 0)))
    (drop (call $storage_has (i32.const 201) (i32.const 1)))
    (call $storage_remove (i32.const 200) (i32.const 1))
    (call $storage_remove (i32.const 201) (i32.const 1)))

  ;; The largest key (256 bytes) and value (64 KiB): write, overwrite, has, read whole, read
  ;; the length only, remove.
  (func (export "store_large")
    (call $storage_write (i32.const 2048) (i32.const 256) (i32.const 65536) (i32.const 65536))
    (call $storage_write (i32.const 2048) (i32.const 256) (i32.const 65536) (i32.const 65536))
    (drop (call $storage_has (i32.const 2048) (i32.const 256)))
    (drop (call $storage_read (i32.const 2048) (i32.const 256) (i32.const 65536) (i32.const 65536) (i32.const 0)))
    (drop (call $storage_read (i32.const 2048) (i32.const 256) (i32.const 65536) (i32.const 0) (i32.const 0)))
    (call $storage_remove (i32.const 2048) (i32.const 256)))

  ;; Events: no topics and no data; four topics and the largest data (4096 bytes).
  (func (export "events")
    (call $emit_event (i32.const 300) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $emit_event (i32.const 300) (i32.const 4) (i32.const 65536) (i32.const 4096)))

  ;; Keccak-256 of 0 bytes, one block less one, one block, one block more one, and 64 KiB.
  (func (export "hashes")
    (call $keccak256 (i32.const 65536) (i32.const 0) (i32.const 4096))
    (call $keccak256 (i32.const 65536) (i32.const 135) (i32.const 4096))
    (call $keccak256 (i32.const 65536) (i32.const 136) (i32.const 4096))
    (call $keccak256 (i32.const 65536) (i32.const 137) (i32.const 4096))
    (call $keccak256 (i32.const 65536) (i32.const 65536) (i32.const 4096)))

  ;; Debug log lines: empty, and the whole log budget (16 KiB) at once.
  (func (export "logs")
    (call $debug_log (i32.const 65536) (i32.const 0))
    (call $debug_log (i32.const 65536) (i32.const 16384)))

  ;; Returns the largest return data (64 KiB).
  (func (export "returns_large")
    (call $return_set (i32.const 65536) (i32.const 65536)))

  ;; Writes, then reverts with 100 bytes.
  (func (export "revert_with")
    (call $storage_write (i32.const 200) (i32.const 1) (i32.const 210) (i32.const 1))
    (call $revert (i32.const 65536) (i32.const 100)))

  (func (export "abort_with")
    (call $abort (i32.const 7)))

  ;; Runs out of gas in wasm code.
  (func (export "spin")
    (loop $l (br $l)))

  ;; Runs out of gas in a host function's charge (a 2 GiB hash is priced before it is read).
  (func (export "oog_in_host")
    (call $keccak256 (i32.const 0) (i32.const 0x7fffffff) (i32.const 4096)))

  ;; Host traps, each after a successful host call: a pointer past the memory, a key one byte
  ;; over the limit, a value one byte over.
  (func (export "bad_pointer")
    (drop (call $gas_left))
    (call $return_set (i32.const 131070) (i32.const 100)))
  (func (export "key_too_long")
    (drop (call $gas_left))
    (call $storage_write (i32.const 2048) (i32.const 257) (i32.const 210) (i32.const 1)))
  (func (export "value_too_large")
    (drop (call $gas_left))
    (call $storage_write (i32.const 200) (i32.const 1) (i32.const 0) (i32.const 65537)))

  ;; Calls the contract whose address is the input (32 bytes) in every way `call` can end:
  ;; `context` (ok, with all the gas), its output read back whole and in part; `revert_with`;
  ;; `store_small` read-only (a host trap in the callee); a missing method; `spin` with 50 M gas
  ;; (out of gas); this contract itself without the re-entry flag (denied). Returns the seven
  ;; statuses.
  (func (export "call_other")
    (call $input_read (i32.const 1024) (i32.const 0) (i32.const 32))
    (i32.store (i32.const 4096)
      (call $call (i32.const 1024) (i32.const 100) (i32.const 7) (i32.const 1024) (i32.const 32) (i64.const -1) (i32.const 0)))
    (call $return_data_read (i32.const 4200) (i32.const 0) (call $return_data_len))
    (call $return_data_read (i32.const 4200) (i32.const 8) (i32.const 16))
    (i32.store (i32.const 4100)
      (call $call (i32.const 1024) (i32.const 160) (i32.const 11) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 0)))
    (drop (call $return_data_len))
    (i32.store (i32.const 4104)
      (call $call (i32.const 1024) (i32.const 110) (i32.const 11) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 2)))
    (i32.store (i32.const 4108)
      (call $call (i32.const 1024) (i32.const 130) (i32.const 7) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 0)))
    (i32.store (i32.const 4112)
      (call $call (i32.const 1024) (i32.const 140) (i32.const 4) (i32.const 0) (i32.const 0) (i64.const 50000000) (i32.const 0)))
    (call $self_address (i32.const 32))
    (i32.store (i32.const 4116)
      (call $call (i32.const 32) (i32.const 100) (i32.const 7) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 0)))
    (call $return_set (i32.const 4096) (i32.const 24)))

  ;; Calls itself with re-entry allowed until the depth limit; returns the innermost status.
  (func (export "deep")
    (local $s i32)
    (call $self_address (i32.const 32))
    (local.set $s
      (call $call (i32.const 32) (i32.const 150) (i32.const 4) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 1)))
    (if (i32.eqz (local.get $s))
      (then (call $return_data_read (i32.const 4096) (i32.const 0) (i32.const 4)))
      (else (i32.store (i32.const 4096) (local.get $s))))
    (call $return_set (i32.const 4096) (i32.const 4)))

  ;; Creations of the smallest contract: with its initializer, again at the now taken address,
  ;; refused code (the same bytes less the first), and with another salt and no initializer.
  (func (export "creates")
    (drop (call $create (i32.const 3000) (i32.const 34) (i32.const 3100) (i32.const 170) (i32.const 4)
      (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 3200)))
    (drop (call $create (i32.const 3000) (i32.const 34) (i32.const 3100) (i32.const 170) (i32.const 4)
      (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 3200)))
    (drop (call $create (i32.const 3001) (i32.const 33) (i32.const 3100) (i32.const 0) (i32.const 0)
      (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 3200)))
    (i32.store8 (i32.const 3100) (i32.const 1))
    (drop (call $create (i32.const 3000) (i32.const 34) (i32.const 3100) (i32.const 0) (i32.const 0)
      (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 3200))))

  ;; Replaces this contract's code with the smallest contract, running its `init` as the migration.
  (func (export "replace")
    (drop (call $set_code (i32.const 3000) (i32.const 34) (i32.const 170) (i32.const 4) (i32.const 0)
      (i32.const 0) (i64.const -1)))))
