(module
  (type (;0;) (func (param i32)))
  (type (;1;) (func))
  (type (;2;) (func (param i64)))
  (type (;3;) (func (param i32 i64) (result i32)))
  (type (;4;) (func (param i32 i32 i64) (result i32)))
  (import "tally" "gas" (func (;0;) (type 2) (param i64)))
  (import "tally" "gas_len" (func (;1;) (type 3) (param i32 i64) (result i32)))
  (import "tally" "stack_enter" (func (;2;) (type 0) (param i32)))
  (import "tally" "stack_leave" (func (;3;) (type 0) (param i32)))
  (import "tally" "branch" (func (;4;) (type 4) (param i32 i32 i64) (result i32)))
  (import "env" "h" (func $h (;5;) (type 0) (param i32)))
  (global $g (;0;) (mut i32) i32.const 0)
  (start $init)
  (func $init (;6;) (type 1)
    i32.const 33
    call 2
    block ;; label = @1
      i64.const 24
      call 0
      i32.const 42
      global.set $g
      global.get $g
      call $h
      i64.const 1
      call 0
    end
    i32.const 33
    call 3
  )
)
