;; `br_if` ends a region; the fall-through starts a new one, and the targeted block's `end` too.
(module
  (func (export "f") (param i32) (result i32)
    (block $out (result i32)
      (i32.const 7)
      (local.get 0)
      (br_if $out)
      (drop)
      (i32.const 8))
    (i32.const 1)
    (i32.add))
  ;; A block nobody branches to does not split its region.
  (func (result i32)
    (block (result i32) (i32.const 1))
    (i32.const 2)
    (i32.add)))
