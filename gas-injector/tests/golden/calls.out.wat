(module
  (type $two (;0;) (func (param i64 i64) (result i64)))
  (type (;1;) (func (param i32)))
  (type (;2;) (func (param i64 i64 i64) (result i64)))
  (type (;3;) (func (param i64) (result i64)))
  (type (;4;) (func (param i64)))
  (type (;5;) (func (param i32 i64) (result i32)))
  (type (;6;) (func (param i32 i32 i64) (result i32)))
  (import "tally" "gas" (func (;0;) (type 4) (param i64)))
  (import "tally" "gas_len" (func (;1;) (type 5) (param i32 i64) (result i32)))
  (import "tally" "stack_enter" (func (;2;) (type 1) (param i32)))
  (import "tally" "stack_leave" (func (;3;) (type 1) (param i32)))
  (import "tally" "branch" (func (;4;) (type 6) (param i32 i32 i64) (result i32)))
  (import "env" "log" (func $log (;5;) (type 1) (param i32)))
  (table (;0;) 1 funcref)
  (export "run" (func 8))
  (elem (;0;) (i32.const 0) func $sub)
  (func $add3 (;6;) (type 2) (param i64 i64 i64) (result i64)
    i32.const 42
    call 2
    block (result i64) ;; label = @1
      i64.const 6
      call 0
      local.get 0
      local.get 1
      i64.add
      local.get 2
      i64.add
    end
    i32.const 42
    call 3
  )
  (func $sub (;7;) (type $two) (param i64 i64) (result i64)
    i32.const 40
    call 2
    block (result i64) ;; label = @1
      i64.const 4
      call 0
      local.get 0
      local.get 1
      i64.sub
    end
    i32.const 40
    call 3
  )
  (func (;8;) (type 3) (param i64) (result i64)
    i32.const 40
    call 2
    block (result i64) ;; label = @1
      i64.const 22
      call 0
      i32.const 7
      call $log
      i64.const 64
      call 0
      local.get 0
      local.get 0
      local.get 0
      call $add3
      i64.const 43
      call 0
      i64.const 1
      i32.const 0
      call_indirect (type $two)
      i64.const 1
      call 0
    end
    i32.const 40
    call 3
  )
)
