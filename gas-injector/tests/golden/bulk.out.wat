(module
  (type (;0;) (func (param i32 i32 i32)))
  (type (;1;) (func (param i64)))
  (type (;2;) (func (param i32 i64) (result i32)))
  (type (;3;) (func (param i32)))
  (type (;4;) (func (param i32 i32 i64) (result i32)))
  (import "tally" "gas" (func (;0;) (type 1) (param i64)))
  (import "tally" "gas_len" (func (;1;) (type 2) (param i32 i64) (result i32)))
  (import "tally" "stack_enter" (func (;2;) (type 3) (param i32)))
  (import "tally" "stack_leave" (func (;3;) (type 3) (param i32)))
  (import "tally" "branch" (func (;4;) (type 4) (param i32 i32 i64) (result i32)))
  (table (;0;) 10 funcref)
  (memory (;0;) 1)
  (elem $e (;0;) func $f)
  (func $f (;5;) (type 0) (param i32 i32 i32)
    i32.const 41
    call 2
    block ;; label = @1
      i64.const 31
      call 0
      local.get 0
      i32.const 0
      local.get 2
      i64.const 4
      call 1
      memory.fill
      local.get 0
      local.get 1
      local.get 2
      i64.const 3
      call 1
      memory.copy
      local.get 0
      local.get 1
      local.get 2
      i64.const 2
      call 1
      memory.init $d
      data.drop $d
      local.get 0
      local.get 1
      local.get 2
      i64.const 6
      call 1
      table.init $e
      local.get 0
      local.get 1
      local.get 2
      i64.const 7
      call 1
      table.copy
      local.get 0
      ref.null func
      local.get 2
      i64.const 8
      call 1
      table.fill 0
      ref.null func
      local.get 2
      i64.const 5
      call 1
      table.grow 0
      drop
      elem.drop $e
    end
    i32.const 41
    call 3
  )
  (data $d (;0;) "hello")
)
