;; Loads and stores pay their static cost in the region and, right after the region's charge,
;; `accesses × memory_access_per_page` per page of the memory: `memory.size; i64.const p;
;; call $gas_len; drop`. `memory.grow` ends its region, so the next region reads the new size.
(module
  (memory 1 10)
  (func (export "copy") (param i32) (result i32)
    (i32.store (i32.const 8) (i32.load (local.get 0)))
    (drop (memory.grow (i32.const 1)))
    (i64.store (i32.const 16) (i64.load8_u (i32.const 8)))
    (if (result i32) (local.get 0)
      (then (i32.load offset=4 (i32.const 0)))
      (else (i32.const 0)))))
