;; `memory.grow` pays its base cost in the region and `pages × unit` just before it runs.
(module
  (memory 1 10)
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0))))
