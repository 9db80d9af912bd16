//! [`cross_check`]: [`FuncCheck`] against wasmparser's `FuncValidator`, operator by operator, on
//! every body of a module. The check behind the tests and the `body_check` fuzz target.

use wasmparser::{
    FuncToValidate, FunctionBody, OperatorsReader, ValidPayload, Validator, ValidatorResources, VisitOperator,
    WasmFeatures,
};

use super::FuncCheck;

/// What [`cross_check`] saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Bodies the module validator handed out.
    pub bodies: usize,
    /// Bodies [`FuncCheck`] accepted whole (wasmparser accepted them too, or `cross_check`
    /// failed).
    pub accepted: usize,
    /// Bodies on which it declined something.
    pub declined: usize,
    /// Bodies wasmparser rejected.
    pub rejected: usize,
}

/// Validates every body of `wasm` with both validators in lockstep, under `features`, and
/// fails (with a description) where [`FuncCheck`] breaks its contract: it accepts an operator
/// or a local declaration wasmparser rejects, accepts a whole body wasmparser rejects, or, while
/// both accept, the operand stack (height and every type), the control stack's height or the
/// innermost frame's kind differ. A module wasmparser rejects outside its bodies, or a body it
/// cannot read, is no finding.
pub fn cross_check(wasm: &[u8], features: WasmFeatures) -> Result<Tally, String> {
    let mut validator = Validator::new_with_features(features);
    let mut check = FuncCheck::new();
    let mut tally = Tally::default();
    for payload in crate::parser(features).parse_all(wasm) {
        let Ok(payload) = payload else { break };
        match validator.payload(&payload) {
            Ok(ValidPayload::Func(f, body)) => body_lockstep(&mut check, f, &body, features, &mut tally)?,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(tally)
}

fn body_lockstep(
    check: &mut FuncCheck,
    f: FuncToValidate<ValidatorResources>,
    body: &FunctionBody<'_>,
    features: WasmFeatures,
    tally: &mut Tally,
) -> Result<(), String> {
    tally.bodies += 1;
    let resources = f.resources.clone();
    let func = f.index;
    let mut live = check.start(&resources, f.ty, features).is_ok();
    let mut wp = f.into_validator(Default::default());
    let finding = |what: String| Err(format!("function {func}: {what}"));
    let rejected = |tally: &mut Tally, live: bool| {
        tally.rejected += 1;
        if !live {
            tally.declined += 1;
        }
    };
    let Ok(mut locals) = body.get_locals_reader() else {
        rejected(tally, live);
        return Ok(());
    };
    for _ in 0..locals.get_count() {
        let offset = locals.original_position();
        let Ok((count, ty)) = locals.read() else {
            rejected(tally, live);
            return Ok(());
        };
        let fast = live && check.define_locals(count, ty).is_ok();
        match wp.define_locals(offset, count, ty) {
            Err(e) if fast => return finding(format!("accepted locals wasmparser rejects at {offset}: {e}")),
            Err(_) => {
                rejected(tally, live);
                return Ok(());
            }
            Ok(()) => live = fast,
        }
    }
    let mut reader = locals.get_binary_reader();
    reader.set_features(features);
    let mut ops = OperatorsReader::new(reader);
    while !ops.eof() {
        let offset = ops.original_position();
        let Ok(op) = ops.read() else {
            rejected(tally, live);
            return Ok(());
        };
        let fast = live && check.visitor(&resources).visit_operator(&op).is_ok();
        match wp.op(offset, &op) {
            Err(e) if fast => return finding(format!("accepted {op:?} wasmparser rejects at {offset}: {e}")),
            Err(_) => {
                rejected(tally, live);
                return Ok(());
            }
            Ok(()) if fast => {
                same_state(check, &wp).map_err(|e| format!("function {func}: after {op:?} at {offset}: {e}"))?
            }
            Ok(()) => live = false,
        }
    }
    if ops.finish().is_err() {
        rejected(tally, live);
        return Ok(());
    }
    if live {
        if check.control_stack_height() != 0 {
            return finding("a body the reader finished has frames left".into());
        }
        tally.accepted += 1;
    } else {
        tally.declined += 1;
    }
    Ok(())
}

/// Compares the two validators' operand stacks, control-stack heights and innermost frames.
fn same_state(check: &FuncCheck, wp: &wasmparser::FuncValidator<ValidatorResources>) -> Result<(), String> {
    if check.operand_stack_height() != wp.operand_stack_height() {
        return Err(format!(
            "operand stack {} high, wasmparser's {}",
            check.operand_stack_height(),
            wp.operand_stack_height()
        ));
    }
    for depth in 0..check.operand_stack_height() as usize {
        if check.operand_type(depth) != wp.get_operand_type(depth) {
            return Err(format!(
                "operand {depth} from the top is {:?}, wasmparser's {:?}",
                check.operand_type(depth),
                wp.get_operand_type(depth)
            ));
        }
    }
    if check.control_stack_height() != wp.control_stack_height() {
        return Err(format!("{} frames, wasmparser {}", check.control_stack_height(), wp.control_stack_height()));
    }
    if check.frame_kind(0) != wp.get_control_frame(0).map(|f| f.kind) {
        return Err(format!("innermost frame {:?}, wasmparser's {:?}", check.frame_kind(0), wp.get_control_frame(0)));
    }
    Ok(())
}
