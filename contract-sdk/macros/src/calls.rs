//! Compile-time selectors for the cross-contract calls written in a contract module.
//!
//! `CallBuilder::new(contract, method)` hashes `method` when it runs (with the host's
//! `keccak256`, so it works for any name). When `method` is a string literal the selector is
//! known now, so the macro rewrites the call to
//! `CallBuilder::with_selector(contract, [s0, s1, s2, s3])`: the same call, with no hashing at run
//! time. This is what makes the guide's way of calling, `CallBuilder::new(token, "transfer")`,
//! the cheap way. Only the exact shape `…CallBuilder::new(<expr>, "<literal>")` is rewritten, and
//! only outside macro invocations (whose tokens syn cannot see into); everything else is left to
//! the run-time path.

use quote::quote_spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprCall, ExprLit, Ident, ItemMod, Lit, PathArguments};

use crate::selector;

/// Rewrites every `CallBuilder::new(contract, "method")` in `module` (see the module docs).
pub(crate) fn const_selectors(module: &mut ItemMod) {
    ConstSelectors.visit_item_mod_mut(module);
}

struct ConstSelectors;

impl VisitMut for ConstSelectors {
    fn visit_expr_call_mut(&mut self, call: &mut ExprCall) {
        visit_mut::visit_expr_call_mut(self, call);
        rewrite(call);
    }
}

fn rewrite(call: &mut ExprCall) {
    let Expr::Path(func) = &mut *call.func else { return };
    let segments = &mut func.path.segments;
    let n = segments.len();
    if func.qself.is_some()
        || n < 2
        || segments[n - 2].ident != "CallBuilder"
        || segments[n - 1].ident != "new"
        || !matches!(segments[n - 1].arguments, PathArguments::None)
        || call.args.len() != 2
    {
        return;
    }
    let Expr::Lit(ExprLit { lit: Lit::Str(method), attrs }) = &call.args[1] else { return };
    if !attrs.is_empty() {
        return;
    }
    let sel = selector(&method.value());
    let replacement: Expr = syn::parse2(quote_spanned!(method.span()=> [#(#sel),*])).expect("an array expression");
    segments[n - 1].ident = Ident::new("with_selector", segments[n - 1].ident.span());
    call.args[1] = replacement;
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::*;

    fn rewritten(src: &str) -> String {
        let mut m: ItemMod = syn::parse_str(src).expect("parses");
        const_selectors(&mut m);
        m.to_token_stream().to_string()
    }

    #[test]
    fn literal_method_names_become_selectors() {
        let out = rewritten(
            r#"mod m { fn f(t: Address) { let _ = CallBuilder::new(t, "transfer").args(&(1u8,)).call::<()>(); } }"#,
        );
        let [a, b, c, d] = selector("transfer");
        let want = format!("CallBuilder :: with_selector (t , [{a}u8 , {b}u8 , {c}u8 , {d}u8])");
        assert!(out.contains(&want), "{out}");
        assert!(!out.contains("CallBuilder :: new"), "{out}");
    }

    #[test]
    fn qualified_paths_and_nested_calls_are_rewritten() {
        let out = rewritten(
            r#"mod m { impl S { fn f(&self) { g(tally_sdk::call::CallBuilder::new(h(CallBuilder::new(x, "a")), "b")); } } }"#,
        );
        assert_eq!(out.matches("with_selector").count(), 2, "{out}");
        assert!(out.contains("tally_sdk :: call :: CallBuilder :: with_selector"), "{out}");
    }

    #[test]
    fn other_shapes_are_left_alone() {
        for src in [
            r#"mod m { fn f(t: Address, name: &str) { CallBuilder::new(t, name); } }"#,
            r#"mod m { fn f(t: Address) { CallBuilder::export(t, "call"); } }"#,
            r#"mod m { fn f(t: Address) { Other::new(t, "x"); } }"#,
            r#"mod m { fn f(t: Address) { CallBuilder::new(t, b"x"); } }"#,
        ] {
            let unchanged: ItemMod = syn::parse_str(src).expect("parses");
            assert_eq!(rewritten(src), unchanged.to_token_stream().to_string(), "{src}");
        }
    }
}
