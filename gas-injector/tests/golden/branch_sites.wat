;; Branch sites: with the golden schedule's `branch_change`, every live `br_if` and `if` gets
;; `i32.const site; i64.const 50; call $branch` just before it, after any region charge at the
;; same point; sites are numbered over the module, dead code has none.
(module
  (func $cond (result i32) (i32.const 1))
  ;; A loop's back edge (site 0), a `br_if` right after a call (site 1: the region after the
  ;; call starts at it, so its charge comes first), and an `if` without `else` (site 2).
  (func (export "run") (param $n i32)
    (block $out
      (loop $l
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (local.get $n))))
    (block $b
      (br_if $b (call $cond)))
    (if (local.get $n) (then (nop))))
  ;; Dead code: the `br_if`, `if` and nested `br_if` after `unreachable` are no sites; the `if`
  ;; after the dead block's `end` is live again (site 3).
  (func (param i32) (result i32)
    (block $b
      (unreachable)
      (br_if $b (local.get 0))
      (if (local.get 0) (then (br_if $b (local.get 0)))))
    (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2)))))
