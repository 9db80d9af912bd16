(module
  (type (;0;) (func (param i32) (result i32)))
  (type (;1;) (func (result i32)))
  (type (;2;) (func (param i64)))
  (type (;3;) (func (param i32 i64) (result i32)))
  (type (;4;) (func (param i32)))
  (type (;5;) (func (param i32 i32 i64) (result i32)))
  (import "tally" "gas" (func (;0;) (type 2) (param i64)))
  (import "tally" "gas_len" (func (;1;) (type 3) (param i32 i64) (result i32)))
  (import "tally" "stack_enter" (func (;2;) (type 4) (param i32)))
  (import "tally" "stack_leave" (func (;3;) (type 4) (param i32)))
  (import "tally" "branch" (func (;4;) (type 5) (param i32 i32 i64) (result i32)))
  (export "f" (func 5))
  (func (;5;) (type 0) (param i32) (result i32)
    i32.const 35
    call 2
    block (result i32) ;; label = @1
      i64.const 4
      call 0
      block (result i32) ;; label = @2
        i32.const 7
        local.get 0
        i32.const 0
        i64.const 50
        call 4
        br_if 0 (;@2;)
        i64.const 3
        call 0
        drop
        i32.const 8
      end
      i64.const 3
      call 0
      i32.const 1
      i32.add
    end
    i32.const 35
    call 3
  )
  (func (;6;) (type 1) (result i32)
    i32.const 34
    call 2
    block (result i32) ;; label = @1
      i64.const 6
      call 0
      block (result i32) ;; label = @2
        i32.const 1
      end
      i32.const 2
      i32.add
    end
    i32.const 34
    call 3
  )
)
