//! Builders of group 12's contracts: loops of `call` to functions of the worst shapes the
//! contract limits allow (the most locals, parameters or results), and recursion as deep as the
//! stack budget allows. Each loop iteration makes sixteen calls (a recursion, one).

use super::{text_contract, Method};

/// `calls` calls (16 per iteration) of `$f`, defined by `callee`; each call is `call` (the
/// `call $f` instruction with what it needs around it), in a method with the locals `decls`.
fn call_loop(callee: &str, decls: &str, call: &str, calls: u32) -> Vec<u8> {
    let body = vec![call; 16].join("\n      ");
    text_contract(&Method { fields: callee, decls, body: &body, iterations: calls.div_ceil(16), ..Method::default() })
}

/// `calls` calls of a function that takes nothing, declares nothing and does nothing: the
/// control for the others.
pub fn call_empty(calls: u32) -> Vec<u8> {
    call_loop("(func $f)", "", "(call $f)", calls)
}

/// `calls` calls of a function that declares `locals` `i64` locals (which every call zeroes)
/// and does nothing else.
pub fn call_locals(calls: u32, locals: u32) -> Vec<u8> {
    call_loop(&format!("(func $f (local{}))", " i64".repeat(locals as usize)), "", "(call $f)", calls)
}

/// `calls` calls of a function with `params` `i64` parameters that does nothing: each call
/// pushes them all (`local.get`) and the callee's frame takes them.
pub fn call_params(calls: u32, params: u32) -> Vec<u8> {
    let callee = format!("(func $f (param{}))", " i64".repeat(params as usize));
    let call = format!("(call $f{})", " (local.get $x)".repeat(params as usize));
    call_loop(&callee, "(local $x i64)", &call, calls)
}

/// `calls` calls of a function with `results` `i64` results (constants) and no parameters; the
/// caller drops them.
pub fn call_results(calls: u32, results: u32) -> Vec<u8> {
    let callee = format!(
        "(func $f (result{}){})",
        " i64".repeat(results as usize),
        (0..results).map(|k| format!(" (i64.const {k})")).collect::<String>()
    );
    let call = format!("(call $f){}", " drop".repeat(results as usize));
    call_loop(&callee, "", &call, calls)
}

/// Recursion `depth` calls deep, `repeats` times: `$rec(n)` calls `$rec(n - 1)` until `n` is 0.
/// Each frame holds one `i32` parameter.
pub fn recursion(depth: u32, repeats: u32) -> Vec<u8> {
    let callee = "(func $rec (param $n i32)
    (if (local.get $n) (then (call $rec (i32.sub (local.get $n) (i32.const 1))))))";
    text_contract(&Method {
        fields: callee,
        body: &format!("(call $rec (i32.const {depth}))"),
        iterations: repeats,
        ..Method::default()
    })
}
