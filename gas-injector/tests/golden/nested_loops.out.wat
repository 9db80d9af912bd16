(module
  (type (;0;) (func (param i32)))
  (type (;1;) (func))
  (type (;2;) (func (param i64)))
  (type (;3;) (func (param i32 i64) (result i32)))
  (type (;4;) (func (param i32 i32 i64) (result i32)))
  (import "tally" "gas" (func (;0;) (type 2) (param i64)))
  (import "tally" "gas_len" (func (;1;) (type 3) (param i32 i64) (result i32)))
  (import "tally" "stack_enter" (func (;2;) (type 0) (param i32)))
  (import "tally" "stack_leave" (func (;3;) (type 0) (param i32)))
  (import "tally" "branch" (func (;4;) (type 4) (param i32 i32 i64) (result i32)))
  (export "f" (func 5))
  (func (;5;) (type 0) (param i32)
    i32.const 34
    call 2
    block ;; label = @1
      loop ;; label = @2
        i64.const 1
        call 0
        loop ;; label = @3
          i64.const 1
          call 0
          loop ;; label = @4
            i64.const 3
            call 0
            local.get 0
            i32.const 0
            i64.const 50
            call 4
            br_if 1 (;@3;)
            i64.const 2
            call 0
            local.get 0
            i32.const 1
            i64.const 50
            call 4
            br_if 0 (;@4;)
            i64.const 3
            call 0
          end
          local.get 0
          i32.const 2
          i64.const 50
          call 4
          br_if 1 (;@2;)
          i64.const 3
          call 0
        end
      end
    end
    i32.const 34
    call 3
  )
  (func (;6;) (type 1)
    i32.const 32
    call 2
    block ;; label = @1
      loop ;; label = @2
        i64.const 2
        call 0
        br 0 (;@2;)
      end
      i64.const 1
      call 0
    end
    i32.const 32
    call 3
  )
)
