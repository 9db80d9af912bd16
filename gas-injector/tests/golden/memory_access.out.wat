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
  (memory (;0;) 1 10)
  (export "copy" (func 5))
  (func (;5;) (type 0) (param i32) (result i32)
    i32.const 36
    call 2
    block (result i32) ;; label = @1
      i64.const 6
      call 0
      memory.size
      i64.const 18
      call 1
      drop
      i32.const 8
      local.get 0
      i32.load
      i32.store
      i32.const 1
      i64.const 1000
      call 1
      memory.grow
      i64.const 7
      call 0
      memory.size
      i64.const 18
      call 1
      drop
      drop
      i32.const 16
      i32.const 8
      i64.load8_u
      i64.store
      local.get 0
      i32.const 0
      i64.const 50
      call 4
      if (result i32) ;; label = @2
        i64.const 3
        call 0
        memory.size
        i64.const 9
        call 1
        drop
        i32.const 0
        i32.load offset=4
      else
        i64.const 2
        call 0
        i32.const 0
      end
      i64.const 1
      call 0
    end
    i32.const 36
    call 3
  )
)
