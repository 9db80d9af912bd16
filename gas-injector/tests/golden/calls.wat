;; Calls pay `call_per_param` (20 in the golden schedule) per parameter of the callee's type, in
;; the caller's region: `call $add3` costs 1 + 3 × 20, the `call_indirect` of type $two
;; 1 + 2 × 20, the call of the host import of one parameter 1 + 20.
(module
  (type $two (func (param i64 i64) (result i64)))
  (import "env" "log" (func $log (param i32)))
  (table 1 funcref)
  (elem (i32.const 0) $sub)
  (func $add3 (param i64 i64 i64) (result i64)
    (i64.add (i64.add (local.get 0) (local.get 1)) (local.get 2)))
  (func $sub (type $two) (i64.sub (local.get 0) (local.get 1)))
  (func (export "run") (param i64) (result i64)
    (call $log (i32.const 7))
    (call_indirect (type $two)
      (call $add3 (local.get 0) (local.get 0) (local.get 0))
      (i64.const 1)
      (i32.const 0))))
