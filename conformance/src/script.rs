//! Lowering a parsed `.wast` script into an owned, store-independent plan.
//!
//! Parsing and encoding happen here, up front; the resulting [`Script`] holds only encoded
//! wasm bytes and plain values, so it is `Send` and can be executed later, on another thread
//! (for instance one with a deliberately small native stack).

use tally_vm::RefType;
use wast::core::{AbstractHeapType, HeapType, NanPattern, WastArgCore, WastRetCore};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::token::{Id, Span};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

use crate::panics;
use crate::report::Verdict;
use crate::values::{Arg, Expected, FloatPattern};

/// A `.wast` file lowered to owned directives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The file's name, e.g. `i32.wast`.
    pub name: String,
    /// The directives, in file order.
    pub directives: Vec<Directive>,
}

/// One directive of a script and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// 1-based line of the directive in its file.
    pub line: usize,
    /// 1-based column of the directive in its file.
    pub column: usize,
    /// The directive's keyword, e.g. `assert_return`.
    pub command: &'static str,
    /// What to do.
    pub kind: DirectiveKind,
}

/// What a directive asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectiveKind {
    /// `module`: compile and instantiate; the instance becomes the current one.
    Module {
        /// The module's `$id`, if it has one.
        id: Option<String>,
        /// The encoded binary.
        wasm: Vec<u8>,
    },
    /// `module definition`: compile only, for a later `module instance`.
    ModuleDefinition {
        /// The definition's `$id`, if it has one.
        id: Option<String>,
        /// The encoded binary.
        wasm: Vec<u8>,
    },
    /// `module instance`: instantiate a definition (the latest one when unnamed).
    ModuleInstance {
        /// The new instance's `$id`, if it has one.
        instance: Option<String>,
        /// The definition to instantiate.
        module: Option<String>,
    },
    /// `register`: make an instance's exports importable under `name`.
    Register {
        /// The import module name to register under.
        name: String,
        /// The instance to register; the current one when `None`.
        module: Option<String>,
    },
    /// A bare `invoke`: it must complete without trapping.
    Action(Action),
    /// `assert_return`: the action must produce exactly these results.
    AssertReturn {
        /// What to run.
        action: Action,
        /// One expectation per result.
        expected: Vec<Expected>,
    },
    /// `assert_trap`: the action (an invocation or an instantiation) must trap.
    AssertTrap {
        /// What to run.
        action: Action,
        /// The spec's trap message.
        message: String,
    },
    /// `assert_exhaustion`: the invocation must trap with a stack-exhaustion trap.
    AssertExhaustion {
        /// What to run.
        action: Action,
        /// The spec's message.
        message: String,
    },
    /// `assert_invalid`: compiling the binary must fail.
    AssertInvalid {
        /// The encoded binary.
        wasm: Vec<u8>,
        /// The spec's validation message.
        message: String,
    },
    /// `assert_malformed` (binary or quoted text that encodes): compiling must fail.
    AssertMalformed {
        /// The encoded binary.
        wasm: Vec<u8>,
        /// The spec's decoding message.
        message: String,
    },
    /// `assert_unlinkable`: the module compiles but instantiation fails with a link error.
    AssertUnlinkable {
        /// The encoded binary.
        wasm: Vec<u8>,
        /// The spec's linking message.
        message: String,
    },
    /// A verdict reached while planning, e.g. a skip or a text-level malformed module.
    Settled(Verdict),
}

/// Something a directive runs whose outcome it then checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Call an exported function.
    Invoke {
        /// The instance's `$id`; the current instance when `None`.
        module: Option<String>,
        /// The export's name.
        name: String,
        /// The arguments.
        args: Vec<Arg>,
    },
    /// Read an exported global.
    Get {
        /// The instance's `$id`; the current instance when `None`.
        module: Option<String>,
        /// The export's name.
        global: String,
    },
    /// Compile and instantiate a module (for `assert_trap (module ...)`).
    Instantiate {
        /// The encoded binary.
        wasm: Vec<u8>,
    },
}

impl Script {
    /// Parses and encodes `text`. Never fails: a file that does not parse yields a script with
    /// a single failed directive describing the parse error.
    pub fn parse(name: impl Into<String>, text: &str) -> Script {
        let name = name.into();
        let mut lexer = Lexer::new(text);
        lexer.allow_confusing_unicode(true);
        let parsed = ParseBuffer::new_with_lexer(lexer).and_then(|buf| {
            let wast = parser::parse::<Wast<'_>>(&buf)?;
            Ok(wast.directives.into_iter().map(|d| lower(d, text)).collect())
        });
        let directives = parsed.unwrap_or_else(|err| {
            let (line, column) = position(err.span(), text);
            vec![Directive {
                line,
                column,
                command: "parse",
                kind: DirectiveKind::Settled(Verdict::Failed(format!("cannot parse script: {}", err.message()))),
            }]
        });
        Script { name, directives }
    }
}

/// A directive that cannot be planned, and the verdict it gets instead.
type Lowered = Result<DirectiveKind, Verdict>;

fn lower(directive: WastDirective<'_>, text: &str) -> Directive {
    let (line, column) = position(directive.span(), text);
    let command = command_name(&directive);
    // Encoding runs third-party code on odd inputs; a panic there must not abort the run.
    let kind = panics::catch(|| lower_kind(directive))
        .unwrap_or_else(|panic| Err(Verdict::Failed(format!("while encoding: {panic}"))))
        .unwrap_or_else(DirectiveKind::Settled);
    Directive { line, column, command, kind }
}

fn command_name(directive: &WastDirective<'_>) -> &'static str {
    match directive {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
    }
}

fn lower_kind(directive: WastDirective<'_>) -> Lowered {
    Ok(match directive {
        WastDirective::Module(mut module) => {
            DirectiveKind::Module { id: id_of(module.name()), wasm: encode_module(&mut module)? }
        }
        WastDirective::ModuleDefinition(mut module) => {
            DirectiveKind::ModuleDefinition { id: id_of(module.name()), wasm: encode_module(&mut module)? }
        }
        WastDirective::ModuleInstance { instance, module, .. } => {
            DirectiveKind::ModuleInstance { instance: id_of(instance), module: id_of(module) }
        }
        WastDirective::Register { name, module, .. } => {
            DirectiveKind::Register { name: name.to_string(), module: id_of(module) }
        }
        WastDirective::Invoke(invoke) => DirectiveKind::Action(lower_invoke(invoke)?),
        WastDirective::AssertReturn { exec, results, .. } => DirectiveKind::AssertReturn {
            action: lower_execute(exec)?,
            expected: results.into_iter().map(lower_ret).collect::<Result<_, _>>()?,
        },
        WastDirective::AssertTrap { exec, message, .. } => {
            DirectiveKind::AssertTrap { action: lower_execute(exec)?, message: message.to_string() }
        }
        WastDirective::AssertExhaustion { call, message, .. } => {
            DirectiveKind::AssertExhaustion { action: lower_invoke(call)?, message: message.to_string() }
        }
        WastDirective::AssertInvalid { mut module, message, .. } => match module.encode() {
            Ok(wasm) => DirectiveKind::AssertInvalid { wasm, message: message.to_string() },
            // The text format cannot express this invalid module (typically an unresolvable
            // name), so the VM never sees it.
            Err(err) => return Err(skip(format!("wast cannot encode this invalid module: {}", err.message()))),
        },
        WastDirective::AssertMalformed { mut module, message, .. } => match module.encode() {
            Ok(wasm) => DirectiveKind::AssertMalformed { wasm, message: message.to_string() },
            // Malformed at the text level: the text parser already rejected it, as asserted.
            Err(_) => return Err(Verdict::Passed),
        },
        WastDirective::AssertUnlinkable { mut module, message, .. } => {
            if matches!(module, Wat::Component(_)) {
                return Err(component_skip());
            }
            DirectiveKind::AssertUnlinkable { wasm: encode_wat(&mut module)?, message: message.to_string() }
        }
        WastDirective::AssertInvalidCustom { .. } | WastDirective::AssertMalformedCustom { .. } => {
            return Err(skip("custom-section assertions are not checked: Tally ignores custom sections"));
        }
        WastDirective::AssertException { .. } => {
            return Err(skip("exception handling is outside Tally's deterministic profile"));
        }
        WastDirective::AssertSuspension { .. } => {
            return Err(skip("stack switching is outside Tally's deterministic profile"));
        }
        WastDirective::Thread(_) | WastDirective::Wait { .. } => {
            return Err(skip("threads are outside Tally's deterministic profile"));
        }
    })
}

fn skip(reason: impl Into<String>) -> Verdict {
    Verdict::Skipped(reason.into())
}

fn component_skip() -> Verdict {
    skip("the component model is outside Tally's profile")
}

fn id_of(id: Option<Id<'_>>) -> Option<String> {
    id.map(|id| id.name().to_string())
}

fn encode_module(module: &mut QuoteWat<'_>) -> Result<Vec<u8>, Verdict> {
    if matches!(module, QuoteWat::QuoteComponent(..) | QuoteWat::Wat(Wat::Component(_))) {
        return Err(component_skip());
    }
    module.encode().map_err(|err| Verdict::Failed(format!("wast cannot encode module: {}", err.message())))
}

fn encode_wat(module: &mut Wat<'_>) -> Result<Vec<u8>, Verdict> {
    module.encode().map_err(|err| Verdict::Failed(format!("wast cannot encode module: {}", err.message())))
}

fn lower_execute(exec: WastExecute<'_>) -> Result<Action, Verdict> {
    match exec {
        WastExecute::Invoke(invoke) => lower_invoke(invoke),
        WastExecute::Wat(Wat::Component(_)) => Err(component_skip()),
        WastExecute::Wat(mut module) => Ok(Action::Instantiate { wasm: encode_wat(&mut module)? }),
        WastExecute::Get { module, global, .. } => {
            Ok(Action::Get { module: id_of(module), global: global.to_string() })
        }
    }
}

fn lower_invoke(invoke: WastInvoke<'_>) -> Result<Action, Verdict> {
    let args = invoke.args.into_iter().map(lower_arg).collect::<Result<_, _>>()?;
    Ok(Action::Invoke { module: id_of(invoke.module), name: invoke.name.to_string(), args })
}

/// The reference type a heap type's null belongs to, if it is one Tally supports.
fn null_ref_type(heap: &HeapType<'_>) -> Option<RefType> {
    match heap {
        HeapType::Abstract { shared: false, ty: AbstractHeapType::Func | AbstractHeapType::NoFunc } => {
            Some(RefType::FuncRef)
        }
        HeapType::Abstract { shared: false, ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern } => {
            Some(RefType::ExternRef)
        }
        _ => None,
    }
}

fn lower_arg(arg: WastArg<'_>) -> Result<Arg, Verdict> {
    let WastArg::Core(arg) = arg else {
        return Err(component_skip());
    };
    Ok(match arg {
        WastArgCore::I32(v) => Arg::I32(v),
        WastArgCore::I64(v) => Arg::I64(v),
        WastArgCore::F32(v) => Arg::F32(v.bits),
        WastArgCore::F64(v) => Arg::F64(v.bits),
        WastArgCore::V128(_) => return Err(skip("v128 values are outside Tally's profile (SIMD)")),
        WastArgCore::RefNull(heap) => match null_ref_type(&heap) {
            Some(RefType::FuncRef) => Arg::NullFuncRef,
            Some(RefType::ExternRef) => Arg::NullExternRef,
            None => return Err(gc_skip()),
        },
        WastArgCore::RefExtern(n) => Arg::ExternRef(n),
        WastArgCore::RefHost(_) => return Err(gc_skip()),
    })
}

fn gc_skip() -> Verdict {
    skip("GC reference types are outside Tally's profile")
}

fn lower_ret(ret: WastRet<'_>) -> Result<Expected, Verdict> {
    let WastRet::Core(ret) = ret else {
        return Err(component_skip());
    };
    lower_ret_core(ret)
}

fn lower_ret_core(ret: WastRetCore<'_>) -> Result<Expected, Verdict> {
    Ok(match ret {
        WastRetCore::I32(v) => Expected::I32(v),
        WastRetCore::I64(v) => Expected::I64(v),
        WastRetCore::F32(p) => Expected::F32(match p {
            NanPattern::Value(v) => FloatPattern::Bits(v.bits),
            NanPattern::CanonicalNan => FloatPattern::CanonicalNan,
            NanPattern::ArithmeticNan => FloatPattern::ArithmeticNan,
        }),
        WastRetCore::F64(p) => Expected::F64(match p {
            NanPattern::Value(v) => FloatPattern::Bits(v.bits),
            NanPattern::CanonicalNan => FloatPattern::CanonicalNan,
            NanPattern::ArithmeticNan => FloatPattern::ArithmeticNan,
        }),
        WastRetCore::V128(_) => return Err(skip("v128 values are outside Tally's profile (SIMD)")),
        WastRetCore::RefNull(None) => Expected::NullRef(None),
        WastRetCore::RefNull(Some(heap)) => match null_ref_type(&heap) {
            Some(ty) => Expected::NullRef(Some(ty)),
            None => return Err(gc_skip()),
        },
        WastRetCore::RefExtern(payload) => Expected::ExternRef(payload),
        WastRetCore::RefFunc(_) => Expected::FuncRef,
        WastRetCore::RefHost(_)
        | WastRetCore::RefAny
        | WastRetCore::RefEq
        | WastRetCore::RefArray
        | WastRetCore::RefStruct
        | WastRetCore::RefI31
        | WastRetCore::RefI31Shared => return Err(gc_skip()),
        WastRetCore::Either(alternatives) => {
            Expected::Either(alternatives.into_iter().map(lower_ret_core).collect::<Result<_, _>>()?)
        }
    })
}

/// The location of `span` in `text` as 1-based (line, column).
fn position(span: Span, text: &str) -> (usize, usize) {
    let (line, column) = span.linecol_in(text);
    (line + 1, column + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<DirectiveKind> {
        Script::parse("t.wast", text).directives.into_iter().map(|d| d.kind).collect()
    }

    #[test]
    fn lowers_invocations_and_expectations() {
        let script = Script::parse(
            "t.wast",
            "(module $m (func (export \"f\") (param i32) (result i32) local.get 0))\n\
             (assert_return (invoke $m \"f\" (i32.const 7)) (i32.const 7))\n\
             (assert_return (invoke \"g\" (f32.const nan:0x200000)) (f64.const nan:canonical) (ref.extern 3))",
        );
        assert_eq!(script.directives.len(), 3);
        assert!(matches!(&script.directives[0].kind, DirectiveKind::Module { id: Some(id), .. } if id == "m"));
        let second = &script.directives[1];
        assert_eq!((second.line, second.column, second.command), (2, 2, "assert_return"));
        assert_eq!(
            second.kind,
            DirectiveKind::AssertReturn {
                action: Action::Invoke { module: Some("m".into()), name: "f".into(), args: vec![Arg::I32(7)] },
                expected: vec![Expected::I32(7)],
            }
        );
        assert_eq!(
            script.directives[2].kind,
            DirectiveKind::AssertReturn {
                action: Action::Invoke { module: None, name: "g".into(), args: vec![Arg::F32(0x7fa0_0000)] },
                expected: vec![Expected::F64(FloatPattern::CanonicalNan), Expected::ExternRef(Some(3))],
            }
        );
    }

    #[test]
    fn text_level_malformed_modules_pass_while_planning() {
        let k = kinds("(assert_malformed (module quote \"(func (i32.const))\") \"unexpected token\")");
        assert_eq!(k, vec![DirectiveKind::Settled(Verdict::Passed)]);
        let k = kinds("(assert_malformed (module binary \"\\00asm\") \"unexpected end\")");
        assert!(matches!(&k[0], DirectiveKind::AssertMalformed { wasm, .. } if wasm == b"\0asm"));
    }

    #[test]
    fn unsupported_values_are_skipped_with_a_reason() {
        let k = kinds("(assert_return (invoke \"f\" (v128.const i32x4 0 0 0 0)))");
        assert!(matches!(&k[0], DirectiveKind::Settled(Verdict::Skipped(reason)) if reason.contains("v128")));
    }

    #[test]
    fn parse_errors_become_one_located_failure() {
        let script = Script::parse("t.wast", "(module)\n(assert_return (invoke \"f\"");
        assert_eq!(script.directives.len(), 1);
        assert!(matches!(&script.directives[0].kind, DirectiveKind::Settled(Verdict::Failed(_))));
        assert_eq!(script.directives[0].line, 2);
    }
}
