(module
  (type $t (;0;) (func (result i32)))
  (type (;1;) (func (param i32) (result i32)))
  (type (;2;) (func (result funcref)))
  (type (;3;) (func (param i64)))
  (type (;4;) (func (param i32 i64) (result i32)))
  (type (;5;) (func (param i32)))
  (type (;6;) (func (param i32 i32 i64) (result i32)))
  (import "tally" "gas" (func (;0;) (type 3) (param i64)))
  (import "tally" "gas_len" (func (;1;) (type 4) (param i32 i64) (result i32)))
  (import "tally" "stack_enter" (func (;2;) (type 5) (param i32)))
  (import "tally" "stack_leave" (func (;3;) (type 5) (param i32)))
  (import "tally" "branch" (func (;4;) (type 6) (param i32 i32 i64) (result i32)))
  (table $tab (;0;) 4 funcref)
  (global $gf (;0;) funcref ref.func $one)
  (export "call" (func 8))
  (export "g" (func 9))
  (elem (;0;) (table $tab) (i32.const 0) func $one $two)
  (elem (;1;) (table $tab) (i32.const 2) funcref (ref.func $two) (ref.null func))
  (elem $p (;2;) funcref (ref.func $one))
  (elem (;3;) declare func $three)
  (func $one (;5;) (type $t) (result i32)
    i32.const 33
    call 2
    block (result i32) ;; label = @1
      i64.const 2
      call 0
      i32.const 1
    end
    i32.const 33
    call 3
  )
  (func $two (;6;) (type $t) (result i32)
    i32.const 33
    call 2
    block (result i32) ;; label = @1
      i64.const 2
      call 0
      i32.const 2
    end
    i32.const 33
    call 3
  )
  (func $three (;7;) (type $t) (result i32)
    i32.const 33
    call 2
    block (result i32) ;; label = @1
      i64.const 2
      call 0
      i32.const 3
    end
    i32.const 33
    call 3
  )
  (func (;8;) (type 1) (param i32) (result i32)
    i32.const 38
    call 2
    block (result i32) ;; label = @1
      i64.const 5
      call 0
      i32.const 3
      ref.func $three
      table.set $tab
      local.get 0
      call_indirect (type $t)
      i64.const 1
      call 0
    end
    i32.const 38
    call 3
  )
  (func (;9;) (type 2) (result funcref)
    i32.const 36
    call 2
    block (result funcref) ;; label = @1
      i64.const 2
      call 0
      global.get $gf
    end
    i32.const 36
    call 3
  )
)
