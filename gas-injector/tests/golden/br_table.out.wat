(module
  (type (;0;) (func (param i32) (result i32)))
  (type (;1;) (func (param i32)))
  (type (;2;) (func (param i64)))
  (type (;3;) (func (param i32 i64) (result i32)))
  (type (;4;) (func (param i32 i32 i64) (result i32)))
  (import "tally" "gas" (func (;0;) (type 2) (param i64)))
  (import "tally" "gas_len" (func (;1;) (type 3) (param i32 i64) (result i32)))
  (import "tally" "stack_enter" (func (;2;) (type 1) (param i32)))
  (import "tally" "stack_leave" (func (;3;) (type 1) (param i32)))
  (import "tally" "branch" (func (;4;) (type 4) (param i32 i32 i64) (result i32)))
  (export "f" (func 5))
  (func (;5;) (type 0) (param i32) (result i32)
    i32.const 34
    call 2
    block (result i32) ;; label = @1
      i64.const 25
      call 0
      block ;; label = @2
        block ;; label = @3
          block ;; label = @4
            local.get 0
            br_table 0 (;@4;) 1 (;@3;) 2 (;@2;)
            i32.const 99
            drop
          end
          i64.const 2
          call 0
          i32.const 0
          i32.const 34
          call 3
          return
        end
        i64.const 2
        call 0
        i32.const 1
        i32.const 34
        call 3
        return
      end
      i64.const 2
      call 0
      i32.const 2
    end
    i32.const 34
    call 3
  )
  (func (;6;) (type 1) (param i32)
    i32.const 34
    call 2
    block ;; label = @1
      loop ;; label = @2
        i64.const 13
        call 0
        local.get 0
        br_table 0 (;@2;) 0 (;@2;)
      end
      i64.const 1
      call 0
    end
    i32.const 34
    call 3
  )
)
