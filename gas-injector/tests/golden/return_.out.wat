(module
  (type (;0;) (func (param i32) (result i32)))
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
  (func (;5;) (type 0) (param i32) (result i32)
    i32.const 35
    call 2
    block (result i32) ;; label = @1
      i64.const 2
      call 0
      local.get 0
      i32.const 0
      i64.const 50
      call 4
      if ;; label = @2
        i64.const 2
        call 0
        i32.const 1
        i32.const 35
        call 3
        return
        i32.const 5
        drop
      end
      i64.const 3
      call 0
      i32.const 2
      local.get 0
      i32.const 1
      i64.const 50
      call 4
      br_if 0 (;@1;)
      i64.const 2
      call 0
      i32.const 3
      i32.const 35
      call 3
      return
    end
    i32.const 35
    call 3
  )
)
