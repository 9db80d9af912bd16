(module
  (type (;0;) (func (param i64 f64)))
  (type (;1;) (func (param i64)))
  (type (;2;) (func (param i32 i64) (result i32)))
  (type (;3;) (func (param i32)))
  (type (;4;) (func (param i32 i32 i64) (result i32)))
  (import "tally" "gas" (func (;0;) (type 1) (param i64)))
  (import "tally" "gas_len" (func (;1;) (type 2) (param i32 i64) (result i32)))
  (import "tally" "stack_enter" (func (;2;) (type 3) (param i32)))
  (import "tally" "stack_leave" (func (;3;) (type 3) (param i32)))
  (import "tally" "branch" (func (;4;) (type 4) (param i32 i32 i64) (result i32)))
  (export "f" (func 5))
  (func (;5;) (type 0) (param i64 f64)
    (local i32 i32 i64 f32 funcref)
    i32.const 46
    call 2
    block ;; label = @1
      i64.const 503
      call 0
      i32.const 1
      local.set 2
    end
    i32.const 46
    call 3
  )
)
