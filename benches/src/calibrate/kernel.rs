//! Loop kernels: contracts whose method runs a loop a fixed number of times, each iteration
//! executing `k` copies of a unit of code, for the operator probes.
//!
//! The probe's `x` is `k`: everything outside the units (the call, the loop's own operators, the
//! setup) is the same at every `k` and lands in the fit's intercept, and the slope is the time of
//! one unit. A unit holds the measured operator on its worst-case operands, with as few helper
//! operators as its types allow (a `local.get` for a binary operator's second operand, a
//! `local.set` for a result that cannot feed the next unit); helpers belong to classes priced
//! earlier, whose gas the fit subtracts.

use super::probe::{pick, warm_call, wat, Ctx, Probe};
use super::terms::Term;
use super::Scale;
use crate::attacks::METHOD;

/// The units per iteration a kernel probe measures.
pub fn unit_counts(scale: Scale) -> Vec<u32> {
    pick(scale, vec![0, 8, 16, 24, 32], vec![0, 8, 16, 32], vec![0, 2, 4])
}

/// xorshift32 state `$r`, advanced once per iteration: units read its bits as random choices,
/// which differ between iterations and so defeat the branch predictor.
pub const XORSHIFT: &str = "(local.set $r (i32.xor (local.get $r) (i32.shl (local.get $r) (i32.const 13))))
      (local.set $r (i32.xor (local.get $r) (i32.shr_u (local.get $r) (i32.const 17))))
      (local.set $r (i32.xor (local.get $r) (i32.shl (local.get $r) (i32.const 5))))";

/// The seed of [`XORSHIFT`].
pub const XORSHIFT_SEED: &str = "(local.set $r (i32.const 0x2545F491))";

/// A loop kernel.
pub struct Kernel {
    /// Module fields besides the method: types, memory, table, globals, other functions.
    pub module: String,
    /// Local declarations of the method besides `$i` (the loop counter).
    pub locals: String,
    /// Code before the loop.
    pub setup: String,
    /// Code at the start of every iteration.
    pub pre: String,
    /// The `j`-th unit of an iteration.
    pub unit: Box<dyn Fn(u32) -> String>,
    /// Code at the end of every iteration, before the back edge.
    pub post: String,
    /// Iterations at full scale (a quarter at quick scale, 3 at tiny).
    pub iterations: u32,
}

impl Kernel {
    /// A kernel of `unit` (the same text for every `j`) run `iterations` times.
    pub fn new(unit: impl Into<String>, iterations: u32) -> Kernel {
        let unit = unit.into();
        Kernel::each(move |_| unit.clone(), iterations)
    }

    /// A kernel whose `j`-th unit is `unit(j)`.
    pub fn each(unit: impl Fn(u32) -> String + 'static, iterations: u32) -> Kernel {
        Kernel {
            module: String::new(),
            locals: String::new(),
            setup: String::new(),
            pre: String::new(),
            unit: Box::new(unit),
            post: String::new(),
            iterations,
        }
    }

    /// With module fields.
    pub fn module(mut self, text: impl Into<String>) -> Kernel {
        self.module = text.into();
        self
    }

    /// With locals.
    pub fn locals(mut self, text: impl Into<String>) -> Kernel {
        self.locals = text.into();
        self
    }

    /// With setup code.
    pub fn setup(mut self, text: impl Into<String>) -> Kernel {
        self.setup = text.into();
        self
    }

    /// With code before and after the units of every iteration.
    pub fn around(mut self, pre: impl Into<String>, post: impl Into<String>) -> Kernel {
        self.pre = pre.into();
        self.post = post.into();
        self
    }

    /// With a random state `$r` advanced every iteration ([`XORSHIFT`]).
    pub fn random(mut self) -> Kernel {
        self.locals = format!("(local $r i32) {}", self.locals);
        self.setup = format!("{XORSHIFT_SEED} {}", self.setup);
        self.pre = format!("{XORSHIFT} {}", self.pre);
        self
    }

    /// The contract's text with `units` units per iteration at `scale`.
    pub fn text(&self, units: u32, scale: Scale) -> String {
        let iterations = pick(scale, self.iterations, self.iterations.div_ceil(4), 3).max(1);
        let body: Vec<String> = (0..units).map(|j| (self.unit)(j)).collect();
        format!(
            r#"(module
  {module}
  (func (export "{METHOD}") (local $i i32) {locals}
    {setup}
    (local.set $i (i32.const {iterations}))
    (loop $l
      {pre}
      {body}
      {post}
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))))"#,
            module = self.module,
            locals = self.locals,
            setup = self.setup,
            pre = self.pre,
            body = body.join("\n      "),
            post = self.post,
        )
    }

    /// A probe of `class` (or another term) over the unit counts of [`unit_counts`].
    pub fn probe(self, name: impl Into<String>, term: Term, input: impl Into<String>, scale: Scale) -> Probe {
        let name = name.into();
        let label = name.clone();
        Probe::new(name, term, input, "units per iteration", unit_counts(scale), move |ctx: &Ctx, k| {
            warm_call(ctx, wat(&label, &self.text(k, ctx.scale))?)
        })
    }
}

/// A value of type `ty` with the bits `bits`, in WebAssembly text.
pub fn bits(ty: &str, bits: u64) -> String {
    match ty {
        "i32" => format!("(i32.const {})", bits as u32 as i32),
        "i64" => format!("(i64.const {})", bits as i64),
        "f32" => format!("(f32.reinterpret_i32 (i32.const {}))", bits as u32 as i32),
        _ => format!("(f64.reinterpret_i64 (i64.const {}))", bits as i64),
    }
}

/// A kernel of a binary operator `op` on type `ty` in a dependent chain: the accumulator stays on
/// the stack, each unit is `local.get $v; op`.
pub fn chain_binary(ty: &str, op: &str, acc: u64, v: u64, iterations: u32) -> Kernel {
    Kernel::new(format!("local.get $v {ty}.{op}"), iterations)
        .locals(format!("(local $acc {ty}) (local $v {ty})"))
        .setup(format!("(local.set $acc {}) (local.set $v {})", bits(ty, acc), bits(ty, v)))
        .around("local.get $acc", "local.set $acc")
}

/// A kernel of a unary operator `op` on type `ty` in a dependent chain: each unit is `op`.
pub fn chain_unary(ty: &str, op: &str, acc: u64, iterations: u32) -> Kernel {
    Kernel::new(format!("{ty}.{op}"), iterations)
        .locals(format!("(local $acc {ty})"))
        .setup(format!("(local.set $acc {})", bits(ty, acc)))
        .around("local.get $acc", "local.set $acc")
}

/// A kernel of an operator whose result cannot feed the next unit (its type differs from its
/// operands'): each unit reads its operands from locals and stores the result in one.
/// `operands` are (type, bits) pairs; `out` is the result type.
pub fn independent(op: &str, operands: &[(&str, u64)], out: &str, iterations: u32) -> Kernel {
    let mut locals = format!("(local $out {out})");
    let mut setup = String::new();
    let mut gets = String::new();
    for (k, (ty, value)) in operands.iter().enumerate() {
        locals += &format!(" (local $a{k} {ty})");
        setup += &format!("(local.set $a{k} {}) ", bits(ty, *value));
        gets += &format!("local.get $a{k} ");
    }
    Kernel::new(format!("{gets}{op} local.set $out"), iterations).locals(locals).setup(setup)
}
