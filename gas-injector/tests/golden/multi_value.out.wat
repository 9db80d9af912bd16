(module
  (type (;0;) (func (param i32 i64) (result i64 i32)))
  (type (;1;) (func (param i64 i32) (result i64 i32)))
  (type (;2;) (func (result i32 i32)))
  (type (;3;) (func (param i64)))
  (type (;4;) (func (param i32 i64) (result i32)))
  (type (;5;) (func (param i32)))
  (type (;6;) (func (param i32 i32 i64) (result i32)))
  (type (;7;) (func (result i64 i32)))
  (import "tally" "gas" (func (;0;) (type 3) (param i64)))
  (import "tally" "gas_len" (func (;1;) (type 4) (param i32 i64) (result i32)))
  (import "tally" "stack_enter" (func (;2;) (type 5) (param i32)))
  (import "tally" "stack_leave" (func (;3;) (type 5) (param i32)))
  (import "tally" "branch" (func (;4;) (type 6) (param i32 i32 i64) (result i32)))
  (export "swap" (func 5))
  (func (;5;) (type 0) (param i32 i64) (result i64 i32)
    i32.const 38
    call 2
    block (type 7) (result i64 i32) ;; label = @1
      i64.const 8
      call 0
      local.get 0
      local.get 1
      block (type 0) (param i32 i64) (result i64 i32) ;; label = @2
        local.set 1
        local.set 0
        local.get 1
        local.get 0
      end
      loop (type 1) (param i64 i32) (result i64 i32) ;; label = @2
        i64.const 3
        call 0
      end
    end
    i32.const 38
    call 3
  )
  (func (;6;) (type 2) (result i32 i32)
    i32.const 34
    call 2
    block (type 2) (result i32 i32) ;; label = @1
      i64.const 3
      call 0
      i32.const 1
      i32.const 2
    end
    i32.const 34
    call 3
  )
)
