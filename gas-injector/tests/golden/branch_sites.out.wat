(module
  (type (;0;) (func (result i32)))
  (type (;1;) (func (param i32)))
  (type (;2;) (func (param i32) (result i32)))
  (type (;3;) (func (param i64)))
  (type (;4;) (func (param i32 i64) (result i32)))
  (type (;5;) (func (param i32 i32 i64) (result i32)))
  (import "tally" "gas" (func (;0;) (type 3) (param i64)))
  (import "tally" "gas_len" (func (;1;) (type 4) (param i32 i64) (result i32)))
  (import "tally" "stack_enter" (func (;2;) (type 1) (param i32)))
  (import "tally" "stack_leave" (func (;3;) (type 1) (param i32)))
  (import "tally" "branch" (func (;4;) (type 5) (param i32 i32 i64) (result i32)))
  (export "run" (func 6))
  (func $cond (;5;) (type 0) (result i32)
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
  (func (;6;) (type 1) (param $n i32)
    i32.const 35
    call 2
    block ;; label = @1
      i64.const 1
      call 0
      block ;; label = @2
        loop ;; label = @3
          i64.const 7
          call 0
          local.get $n
          i32.const 1
          i32.sub
          local.set $n
          local.get $n
          i32.const 0
          i64.const 50
          call 4
          br_if 0 (;@3;)
          i64.const 4
          call 0
        end
      end
      block ;; label = @2
        call $cond
        i64.const 1
        call 0
        i32.const 1
        i64.const 50
        call 4
        br_if 0 (;@2;)
        i64.const 1
        call 0
      end
      i64.const 2
      call 0
      local.get $n
      i32.const 2
      i64.const 50
      call 4
      if ;; label = @2
        i64.const 2
        call 0
        nop
      end
      i64.const 1
      call 0
    end
    i32.const 35
    call 3
  )
  (func (;7;) (type 2) (param i32) (result i32)
    i32.const 34
    call 2
    block (result i32) ;; label = @1
      i64.const 2
      call 0
      block ;; label = @2
        unreachable
        local.get 0
        br_if 0 (;@2;)
        local.get 0
        if ;; label = @3
          local.get 0
          br_if 1 (;@2;)
        end
      end
      i64.const 2
      call 0
      local.get 0
      i32.const 3
      i64.const 50
      call 4
      if (result i32) ;; label = @2
        i64.const 2
        call 0
        i32.const 1
      else
        i64.const 2
        call 0
        i32.const 2
      end
      i64.const 1
      call 0
    end
    i32.const 34
    call 3
  )
)
