;; Blocks and loops with parameters and several results: the injected code is stack-neutral,
;; and the wrapper block of a multi-result function gets a `[] -> results` type.
(module
  (func (export "swap") (param i32 i64) (result i64 i32)
    (local.get 0)
    (local.get 1)
    (block (param i32 i64) (result i64 i32)
      (local.set 1)
      (local.set 0)
      (local.get 1)
      (local.get 0))
    (loop (param i64 i32) (result i64 i32)))
  (func (result i32 i32)
    (i32.const 1) (i32.const 2)))
