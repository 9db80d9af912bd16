//! Group 12: calls (issue 11): recursion as deep as the stack budget allows, and `call` of
//! functions with the most locals, parameters and results the contract limits allow, against
//! calls of an empty function. (`call_indirect` is group 10's; its type-check failure traps, so
//! it can be paid only once per transaction.)

use std::sync::Arc;

use tally_host_env::{Runtime, Status, Storage};

use super::*;
use crate::attacks::calls;

const GROUP: u8 = 12;

/// Calls per run of the call loops with cheap callees (empty, or the most results).
fn call_count(scale: Scale) -> u32 {
    loop_iterations(scale) * 16
}

fn call_empty(scale: Scale) -> Setup {
    let n = call_count(scale);
    warm_call(calls::call_empty(n), PLENTY, format!("{n} calls of an empty function (control)"))
}

fn call_locals(scale: Scale) -> Setup {
    let n = call_count(scale) / 16;
    let locals = limits().locals_per_function;
    let param = format!("{n} calls of a function of {locals} i64 locals (`locals_per_function`)");
    warm_call(calls::call_locals(n, locals), PLENTY, param)
}

fn call_params(scale: Scale) -> Setup {
    let n = call_count(scale) / 16;
    let params = limits().params;
    let param = format!("{n} calls of a function of {params} i64 parameters, all pushed (`params`)");
    warm_call(calls::call_params(n, params), PLENTY, param)
}

fn call_results(scale: Scale) -> Setup {
    let n = call_count(scale);
    let results = limits().results;
    let param = format!("{n} calls of a function of {results} i64 results, all dropped (`results`)");
    warm_call(calls::call_results(n, results), PLENTY, param)
}

/// Whether a call of [`calls::recursion`] `depth` deep ends `Ok` (rather than out of stack).
fn recursion_fits(rt: &Runtime, storage: &Arc<dyn Storage>, depth: u32) -> Result<bool, String> {
    let contract = deploy(rt, storage, calls::recursion(depth, 1))?;
    let receipt = rt.call(storage, &call_request(contract, METHOD, Vec::new(), PLENTY)).map_err(|e| e.to_string())?;
    Ok(receipt.status == Status::Ok)
}

/// The deepest recursion of [`calls::recursion`] the default stack budget lets a call finish,
/// found by bisection (one deploy and call per step): one more frame runs out of stack.
fn deepest_recursion() -> Result<u32, String> {
    let rt = runtime()?;
    let storage = memory_storage();
    let stack = &params().schedule.stack;
    let (mut lo, mut hi) = (1, stack.budget / stack.activation + 1);
    if !recursion_fits(&rt, &storage, lo)? || recursion_fits(&rt, &storage, hi)? {
        return Err(format!("recursion: the stack limit is not between depth {lo} and {hi}"));
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if recursion_fits(&rt, &storage, mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

fn recursion_at_limit(scale: Scale) -> Setup {
    let (depth, repeats) = match scale {
        Scale::Tiny => (100, 1),
        _ => (deepest_recursion()?, scale.pick(200, 50, 1)),
    };
    let budget = params().schedule.stack.budget;
    let param = format!(
        "{repeats} × recursion {depth} calls deep (one more runs out of the stack budget, {budget} units), \
         one i32 parameter per frame"
    );
    warm_call(calls::recursion(depth, repeats), PLENTY, param)
}

/// Group 12's scenarios, in report order.
pub(super) fn scenarios() -> Vec<Scenario> {
    let s = |name, setup| Scenario { name, group: GROUP, refused: false, setup };
    vec![
        s("call-empty", call_empty as fn(Scale) -> Setup),
        s("recursion-at-limit", recursion_at_limit),
        s("call-locals-at-limit", call_locals),
        s("call-params-at-limit", call_params),
        s("call-results-at-limit", call_results),
    ]
}
