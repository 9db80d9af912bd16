;; Fibonacci two ways, for `tally run`:
;;   tally run cli/examples/fib.wat --invoke fib 20
;;   tally run cli/examples/fib.wat --invoke fib_loop 90
;;   tally run cli/examples/fib.wat --invoke fail 0 --json     (traps: integer divide by zero)
(module
  (func $fib (export "fib") (param $n i32) (result i64)
    (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
      (then (i64.extend_i32_u (local.get $n)))
      (else (i64.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "fib_loop") (param $n i32) (result i64) (local $a i64) (local $b i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $b (i64.add (local.get $a) (local.tee $a (local.get $b))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $a))
  (func (export "fail") (param i32) (result i32)
    (i32.div_u (i32.const 1) (local.get 0))))
