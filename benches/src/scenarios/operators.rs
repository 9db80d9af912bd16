//! Group 11: single operators at their slowest inputs (issue 11): `select` on unpredictable
//! conditions, `global.get`/`global.set` and `local.get`/`local.set`/`local.tee` chains at the
//! globals and locals limits, float arithmetic on NaN (which Tally canonicalises), unpredictable
//! `br_if`, integer division and remainder at their edges, `i64.mul`, `popcnt`, `clz` and `ctz`.
//! Conversions at their edges are group 10's `convert-edges`.

use super::*;
use crate::attacks::operators::{self, Num};

const GROUP: u8 = 11;

fn select(scale: Scale, ty: Num) -> Setup {
    let n = loop_iterations(scale);
    let param = format!("{n} × 16 {} selects, each on a random bit", ty.name());
    warm_call(operators::select_chain(n, ty), PLENTY, param)
}

fn select_i32(scale: Scale) -> Setup {
    select(scale, Num::I32)
}

fn select_i64(scale: Scale) -> Setup {
    select(scale, Num::I64)
}

fn select_f64(scale: Scale) -> Setup {
    select(scale, Num::F64)
}

fn global_chain(scale: Scale) -> Setup {
    let globals = limits().globals;
    // As many statements as the 16-statement loops run.
    let n = (loop_iterations(scale) * 16).div_ceil(globals);
    let param = format!("{n} × {globals} global.set (global.get) over {globals} mutable i64 globals (`globals`)");
    warm_call(operators::global_chain(n, globals), PLENTY, param)
}

fn local_chain(scale: Scale) -> Setup {
    let locals = limits().locals_per_function;
    let per_iteration = (locals - 1) / 3;
    let n = (loop_iterations(scale) * 16).div_ceil(per_iteration);
    let param = format!(
        "{n} × {per_iteration} local.set (local.tee (local.get)) over a frame of {locals} locals \
         (`locals_per_function`)"
    );
    warm_call(operators::local_chain(n, locals), PLENTY, param)
}

fn nan_f64(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    let param = format!("{n} × 16 f64 arithmetic operators on a non-canonical NaN");
    warm_call(operators::nan_chain(n, false), PLENTY, param)
}

fn nan_f32(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    let param = format!("{n} × 16 f32 arithmetic operators on a non-canonical NaN");
    warm_call(operators::nan_chain(n, true), PLENTY, param)
}

fn br_if_random(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    let param = format!("{n} × 16 br_if, each on a random bit (compare br-table-loop)");
    warm_call(operators::br_if_random(n), PLENTY, param)
}

fn int_rem_minus_one(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    let param = format!("{n} × 16 i64/i32 rem_s of the minimum by -1 and div_s by -1");
    warm_call(operators::int_rem_minus_one(n), PLENTY, param)
}

fn int_div_large_divisor(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    let param = format!("{n} × 16 i64/i32 div and rem (signed, unsigned) by the largest divisors");
    warm_call(operators::int_div_large_divisor(n), PLENTY, param)
}

fn i64_mul(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    warm_call(operators::i64_mul_chain(n), PLENTY, format!("{n} × 16 i64.mul, each on the previous product"))
}

fn popcnt(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    warm_call(operators::popcnt_chain(n), PLENTY, format!("{n} × 16 popcnt, i64 and i32"))
}

fn clz_ctz(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    warm_call(operators::clz_ctz_chain(n), PLENTY, format!("{n} × 16 clz and ctz, i64 and i32, half of them of 0"))
}

/// Group 11's scenarios, in report order.
pub(super) fn scenarios() -> Vec<Scenario> {
    let s = |name, setup| Scenario { name, group: GROUP, refused: false, setup };
    vec![
        s("select-i32", select_i32 as fn(Scale) -> Setup),
        s("select-i64", select_i64),
        s("select-f64", select_f64),
        s("global-chain-at-limit", global_chain),
        s("local-chain-at-limit", local_chain),
        s("nan-f64", nan_f64),
        s("nan-f32", nan_f32),
        s("br-if-random", br_if_random),
        s("int-rem-minus-one", int_rem_minus_one),
        s("int-div-large-divisor", int_div_large_divisor),
        s("i64-mul", i64_mul),
        s("popcnt", popcnt),
        s("clz-ctz", clz_ctz),
    ]
}
