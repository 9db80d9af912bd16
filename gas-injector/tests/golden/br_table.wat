;; `br_table` costs base + per-target; every forward target's `end` starts a region; loop
;; targets are back-edges; code after it is dead and gets nothing.
(module
  (func (export "f") (param i32) (result i32)
    (block $b2
      (block $b1
        (block $b0
          (br_table $b0 $b1 $b2 (local.get 0))
          (i32.const 99) (drop))
        (return (i32.const 0)))
      (return (i32.const 1)))
    (i32.const 2))
  (func (param i32)
    (loop $l
      (br_table $l $l (local.get 0)))))
