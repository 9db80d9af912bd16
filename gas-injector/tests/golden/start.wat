;; The start function index is shifted like every other; it is metered like any function.
(module
  (import "env" "h" (func $h (param i32)))
  (global $g (mut i32) (i32.const 0))
  (func $init (global.set $g (i32.const 42)) (call $h (global.get $g)))
  (start $init))
