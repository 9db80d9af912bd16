;; Declared locals cost `per_local` each in the entry region and count toward the frame;
;; parameters count toward the frame only.
(module
  (func (export "f") (param i64 f64) (local i32 i32 i64 f32 funcref)
    (local.set 2 (i32.const 1))))
