;; `return` releases the frame first; `br` to the function label goes through the wrapper's
;; release; the rest of the frame after `return` is dead.
(module
  (func (export "f") (param i32) (result i32)
    (if (local.get 0) (then (return (i32.const 1)) (drop (i32.const 5))))
    (br_if 0 (i32.const 2) (local.get 0))
    (return (i32.const 3))))
