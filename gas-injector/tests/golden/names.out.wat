(module
  (type (;0;) (func))
  (type (;1;) (func (param i32)))
  (type (;2;) (func (param i64)))
  (type (;3;) (func (param i32 i64) (result i32)))
  (type (;4;) (func (param i32 i32 i64) (result i32)))
  (import "tally" "gas" (func (;0;) (type 2) (param i64)))
  (import "tally" "gas_len" (func (;1;) (type 3) (param i32 i64) (result i32)))
  (import "tally" "stack_enter" (func (;2;) (type 1) (param i32)))
  (import "tally" "stack_leave" (func (;3;) (type 1) (param i32)))
  (import "tally" "branch" (func (;4;) (type 4) (param i32 i32 i64) (result i32)))
  (import "env" "a" (func $a (;5;) (type 0)))
  (import "env" "b" (func $b (;6;) (type 1) (param i32)))
  (export "main" (func $main))
  (func $main (;7;) (type 0)
    (local $x i32)
    i32.const 34
    call 2
    block ;; label = @1
      i64.const 101
      call 0
      call $a
      i64.const 22
      call 0
      local.get $x
      call $b
      i64.const 1
      call 0
      call $helper
      i64.const 1
      call 0
    end
    i32.const 34
    call 3
  )
  (func $helper (;8;) (type 0)
    i32.const 32
    call 2
    block ;; label = @1
      i64.const 1
      call 0
    end
    i32.const 32
    call 3
  )
)
