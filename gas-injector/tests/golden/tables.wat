;; Tables, `call_indirect`, `ref.func` in code, in a global initializer and in both element
;; segment forms (function indices and expressions), passive and declarative segments.
(module
  (type $t (func (result i32)))
  (table $tab 4 funcref)
  (global $gf funcref (ref.func $one))
  (elem (table $tab) (i32.const 0) func $one $two)
  (elem (table $tab) (i32.const 2) funcref (ref.func $two) (ref.null func))
  (elem $p funcref (ref.func $one))
  (elem declare func $three)
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func $three (result i32) (i32.const 3))
  (func (export "call") (param i32) (result i32)
    (table.set $tab (i32.const 3) (ref.func $three))
    (call_indirect $tab (type $t) (local.get 0)))
  (func (export "g") (result funcref) (global.get $gf)))
