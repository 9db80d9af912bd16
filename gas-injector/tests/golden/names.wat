;; Existing imports shift with every other function; the name section follows the shift.
(module
  (import "env" "a" (func $a))
  (import "env" "b" (func $b (param i32)))
  (func $main (export "main") (local $x i32)
    (call $a)
    (call $b (local.get $x))
    (call $helper))
  (func $helper))
