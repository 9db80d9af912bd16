;; Every loop body is charged on every iteration, including loops nested directly in loops and
;; loops whose body is otherwise free; a branch to a middle loop lands on its charge.
(module
  (func (export "f") (param i32)
    (loop $outer
      (loop $middle
        (loop $inner
          (br_if $middle (local.get 0))
          (br_if $inner (local.get 0)))
        (br_if $outer (local.get 0)))))
  (func
    (loop $free (br $free))))
