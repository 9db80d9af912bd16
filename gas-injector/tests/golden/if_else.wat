;; Code before an `if` is charged once, each arm on its own, and the code after the `end` again.
(module
  (func (export "f") (param i32) (result i32)
    (local.get 0)
    (i32.const 1)
    (i32.add)
    (if (result i32)
      (then (i32.const 10) (i32.const 1) (i32.add))
      (else (i32.const 20)))
    (i32.const 3)
    (i32.mul))
  ;; `if` without `else`: the false path skips the arm, so the `end` starts a region.
  (func (param i32)
    (if (local.get 0) (then nop nop))
    nop))
