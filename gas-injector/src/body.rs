//! Instrumentation of one function body, in one pass fused with its validation.
//!
//! The original operators are copied byte for byte into `code` (with `call` and `ref.func`
//! re-encoded with the shifted index, and length charges written in place). Region charges and
//! stack releases are recorded as [`Insert`]s at positions in `code`, because a region's cost
//! and the frame size are only known later; [`Body::assemble`] then interleaves them in one
//! sweep. Nothing is ever spliced, so the work is linear in the body size.

use wasmparser::{BlockType, FuncValidator, FunctionBody, OperatorsReader, ValType, ValidatorResources};

use crate::error::InjectError;
use crate::module::TypeInfo;
use crate::ops::OpKind;
use crate::schedule::Schedule;
use crate::{write_i64, write_u32, FUNC_SHIFT, GAS_FUNC, GAS_LEN_FUNC, STACK_ENTER_FUNC, STACK_LEAVE_FUNC};

const OP_I32_CONST: u8 = 0x41;
const OP_I64_CONST: u8 = 0x42;
const OP_CALL: u8 = 0x10;
const OP_BLOCK: u8 = 0x02;
const OP_END: u8 = 0x0B;
const OP_REF_FUNC: u8 = 0xD2;

/// What the module tells every function body.
pub(crate) struct ModuleCtx<'a> {
    pub schedule: &'a Schedule,
    pub types: &'a [TypeInfo],
    /// Type index of every function (imported ones first).
    pub func_types: &'a [u32],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Func,
    Block,
    Loop,
    If,
    /// An `if` frame after its `else`.
    Else,
}

struct Ctrl {
    kind: Kind,
    /// Opened in live code (frames opened in dead code are dead throughout).
    live: bool,
    /// A live `br`/`br_if`/`br_table` inside targets this frame's end.
    targeted: bool,
    /// Shadow operand-stack height below the frame's parameters.
    base: usize,
}

enum Insert {
    /// `i64.const c; call $gas`, omitted when `c == 0`.
    Charge(u64),
    /// `i32.const F; call $stack_leave`.
    Leave,
}

struct Body<'a> {
    ctx: &'a ModuleCtx<'a>,
    func: u32,
    code: Vec<u8>,
    inserts: Vec<(usize, Insert)>,
    /// Index in `inserts` of the open region's charge, and whether it is a loop body.
    region: Option<(usize, bool)>,
    live: bool,
    ctrl: Vec<Ctrl>,
    /// Sizes (stack units) of the values on the operand stack, in live code.
    shadow: Vec<u32>,
    shadow_sum: u64,
    max_sum: u64,
    /// Offset of the operator being processed (for errors).
    offset: usize,
    /// The size of every value type, when they are all the same.
    uniform: Option<u32>,
}

/// Instruments one function body (`params`: the function's parameter types; `wrapper`: the
/// encoded `[] -> results` block type of the wrapper block). Returns the new body, locals
/// included, size prefix excluded.
pub(crate) fn instrument_body(
    ctx: &ModuleCtx<'_>,
    func: u32,
    params: &[ValType],
    body: &FunctionBody<'_>,
    validator: &mut FuncValidator<ValidatorResources>,
    wrapper: &[u8],
) -> Result<Vec<u8>, InjectError> {
    let bytes = body.as_bytes();
    let base = body.range().start as usize;
    let stack = &ctx.schedule.stack;

    // Locals: validated, sized and copied verbatim.
    let mut frame: u64 = u64::from(stack.activation);
    let mut locals = body.get_locals_reader()?;
    let mut n_locals: u64 = 0;
    for _ in 0..locals.get_count() {
        let offset = locals.original_position() as usize;
        let (n, ty) = locals.read()?;
        validator.define_locals(offset as u64, n, ty)?;
        let size = stack.size_of(ty).ok_or(InjectError::UnsupportedType { func, offset })?;
        n_locals += u64::from(n);
        frame = frame.saturating_add(u64::from(n) * u64::from(size));
    }
    let ops_start = locals.original_position() as usize;
    let locals_raw = slice(bytes, base, base, ops_start)?;

    // Parameters count toward the frame too.
    for &p in params {
        let size = stack.size_of(p).ok_or(InjectError::UnsupportedType { func, offset: base })?;
        frame = frame.saturating_add(u64::from(size));
    }

    let mut b = Body {
        ctx,
        func,
        code: Vec::with_capacity(bytes.len() + bytes.len() / 4),
        inserts: Vec::new(),
        region: None,
        live: true,
        ctrl: vec![Ctrl { kind: Kind::Func, live: true, targeted: false, base: 0 }],
        shadow: Vec::new(),
        shadow_sum: 0,
        max_sum: 0,
        offset: ops_start,
        uniform: Some(stack.i32)
            .filter(|&s| [stack.i64, stack.f32, stack.f64, stack.funcref, stack.externref].iter().all(|&t| t == s)),
    };
    b.open(false);
    let locals_cost = n_locals.checked_mul(ctx.schedule.per_local).ok_or(b.overflow())?;
    b.add(locals_cost)?;

    let mut reader = locals.get_binary_reader();
    reader.set_features(crate::features());
    let mut ops = OperatorsReader::new(reader);
    while !ops.eof() {
        let start = ops.original_position() as usize;
        let op = ops.read()?;
        let end = ops.original_position() as usize;
        validator.op(start as u64, &op)?;
        b.offset = start;
        let kind = OpKind::of(&op).ok_or_else(|| internal("validated operator outside the profile"))?;
        let cost = ctx.schedule.cost(kind).ok_or(InjectError::Forbidden { func, op: kind, offset: start })?;
        let raw = slice(bytes, base, start, end)?;
        if b.live {
            b.live_op(kind, cost, &op, raw, validator)?;
        } else {
            b.dead_op(kind, &op, raw, validator)?;
        }
    }
    ops.finish()?;
    let r = ops.get_binary_reader();
    r.finish_expression(&validator.visitor(r.original_position()))?;
    if !b.ctrl.is_empty() {
        return Err(internal("control frames left at the end of the body"));
    }

    let frame = frame.saturating_add(b.max_sum);
    let frame = u32::try_from(frame).map_err(|_| InjectError::FrameTooLarge { func, units: frame })?;
    Ok(b.assemble(locals_raw, wrapper, frame))
}

fn internal(message: &str) -> InjectError {
    InjectError::Internal { message: message.to_string() }
}

fn slice(bytes: &[u8], base: usize, start: usize, end: usize) -> Result<&[u8], InjectError> {
    bytes.get(start.wrapping_sub(base)..end.wrapping_sub(base)).ok_or_else(|| internal("operator outside its body"))
}

impl Body<'_> {
    fn overflow(&self) -> InjectError {
        InjectError::CostOverflow { func: self.func, offset: self.offset }
    }

    /// Starts a region at the current end of `code`.
    fn open(&mut self, is_loop: bool) {
        self.inserts.push((self.code.len(), Insert::Charge(0)));
        self.region = Some((self.inserts.len() - 1, is_loop));
    }

    /// Ends the open region; a loop body's charge is at least 1.
    fn close(&mut self) {
        if let Some((i, true)) = self.region {
            if let Some((_, Insert::Charge(c))) = self.inserts.get_mut(i) {
                *c = (*c).max(1);
            }
        }
        self.region = None;
    }

    fn add(&mut self, cost: u64) -> Result<(), InjectError> {
        let overflow = self.overflow();
        match self.region.and_then(|(i, _)| self.inserts.get_mut(i)) {
            Some((_, Insert::Charge(c))) => {
                *c = c.checked_add(cost).ok_or(overflow)?;
                Ok(())
            }
            _ => Err(internal("no open region in live code")),
        }
    }

    fn emit_index_op(&mut self, opcode: u8, index: u32) -> Result<(), InjectError> {
        let index = index.checked_add(FUNC_SHIFT).ok_or_else(|| internal("function index overflow"))?;
        self.code.push(opcode);
        write_u32(&mut self.code, index);
        Ok(())
    }

    /// Emits an operator's bytes; `call` and `ref.func` get the shifted index.
    fn emit(&mut self, op: &wasmparser::Operator<'_>, raw: &[u8]) -> Result<(), InjectError> {
        match *op {
            wasmparser::Operator::Call { function_index } => self.emit_index_op(OP_CALL, function_index),
            wasmparser::Operator::RefFunc { function_index } => self.emit_index_op(OP_REF_FUNC, function_index),
            _ => {
                self.code.extend_from_slice(raw);
                Ok(())
            }
        }
    }

    /// Marks the frame `depth` labels out as the target of a forward branch (loops are targeted
    /// backwards, which starts no region).
    fn target(&mut self, depth: u32) {
        let i = self.ctrl.len().checked_sub(1 + depth as usize);
        if let Some(frame) = i.and_then(|i| self.ctrl.get_mut(i)) {
            if frame.kind != Kind::Loop {
                frame.targeted = true;
            }
        }
    }

    fn block_params(&self, bt: BlockType) -> usize {
        match bt {
            BlockType::Empty | BlockType::Type(_) => 0,
            BlockType::FuncType(i) => {
                self.ctx.types.get(i as usize).and_then(|t| t.func.as_ref()).map_or(0, |f| f.params().len())
            }
        }
    }

    fn push_frame(&mut self, kind: Kind, params: usize) -> Result<(), InjectError> {
        let base = self.shadow.len().checked_sub(params).ok_or_else(|| internal("shadow stack underflow"))?;
        self.ctrl.push(Ctrl { kind, live: self.live, targeted: false, base });
        Ok(())
    }

    fn size(&self, ty: Option<ValType>) -> Result<u32, InjectError> {
        let stack = &self.ctx.schedule.stack;
        match ty {
            Some(ty) => stack.size_of(ty).ok_or(InjectError::UnsupportedType { func: self.func, offset: self.offset }),
            None => Ok(stack.max_value_size()),
        }
    }

    fn pop(&mut self, n: usize) -> Result<(), InjectError> {
        for _ in 0..n {
            let s = self.shadow.pop().ok_or_else(|| internal("shadow stack underflow"))?;
            self.shadow_sum -= u64::from(s);
        }
        Ok(())
    }

    /// Pushes the top `n` operand types of the validator onto the shadow stack.
    fn push_from(&mut self, n: usize, v: &FuncValidator<ValidatorResources>) -> Result<(), InjectError> {
        if let Some(s) = self.uniform {
            // Every type has the same size: no need to look at the types.
            self.shadow.resize(self.shadow.len() + n, s);
            self.shadow_sum += u64::from(s) * n as u64;
        } else {
            for depth in (0..n).rev() {
                let ty = v.get_operand_type(depth).ok_or_else(|| internal("validator stack underflow"))?;
                let s = self.size(ty)?;
                self.shadow.push(s);
                self.shadow_sum += u64::from(s);
            }
        }
        self.max_sum = self.max_sum.max(self.shadow_sum);
        Ok(())
    }

    /// Pops `pops` values, then mirrors the validator's new top values; checks the heights agree.
    fn apply(&mut self, pops: usize, v: &FuncValidator<ValidatorResources>) -> Result<(), InjectError> {
        self.pop(pops)?;
        let h = v.operand_stack_height() as usize;
        let pushes = h.checked_sub(self.shadow.len()).ok_or_else(|| internal("arity mismatch with the validator"))?;
        self.push_from(pushes, v)
    }

    /// Resets the shadow stack to `base` plus whatever the validator has above it (after `else`
    /// and `end`).
    fn resync(&mut self, base: usize, v: &FuncValidator<ValidatorResources>) -> Result<(), InjectError> {
        let n = self.shadow.len().saturating_sub(base);
        self.pop(n)?;
        self.apply(0, v)
    }

    fn func_arity(&self, type_index: u32) -> Result<(usize, usize), InjectError> {
        self.ctx
            .types
            .get(type_index as usize)
            .and_then(|t| t.func.as_ref())
            .map(|f| (f.params().len(), f.results().len()))
            .ok_or_else(|| internal("call to an unknown type"))
    }

    fn live_op(
        &mut self,
        kind: OpKind,
        cost: u64,
        op: &wasmparser::Operator<'_>,
        raw: &[u8],
        v: &FuncValidator<ValidatorResources>,
    ) -> Result<(), InjectError> {
        use wasmparser::Operator as O;
        match *op {
            O::Unreachable => {
                self.add(cost)?;
                self.emit(op, raw)?;
                self.close();
                self.live = false;
            }
            O::Block { blockty } => {
                self.add(cost)?;
                self.emit(op, raw)?;
                self.push_frame(Kind::Block, self.block_params(blockty))?;
            }
            O::Loop { blockty } => {
                self.close();
                self.emit(op, raw)?;
                self.push_frame(Kind::Loop, self.block_params(blockty))?;
                self.open(true);
                self.add(cost)?;
            }
            O::If { blockty } => {
                self.add(cost)?;
                self.close();
                self.emit(op, raw)?;
                self.pop(1)?;
                self.push_frame(Kind::If, self.block_params(blockty))?;
                self.open(false);
            }
            O::Else => {
                self.add(cost)?;
                self.close();
                self.emit(op, raw)?;
                let base = match self.ctrl.last_mut() {
                    Some(f) => {
                        f.kind = Kind::Else;
                        f.base
                    }
                    None => return Err(internal("else without a frame")),
                };
                self.resync(base, v)?;
                self.open(false);
            }
            O::End => {
                self.add(cost)?;
                self.emit(op, raw)?;
                let frame = self.ctrl.pop().ok_or_else(|| internal("end without a frame"))?;
                if frame.kind == Kind::Func {
                    self.close();
                } else {
                    self.resync(frame.base, v)?;
                    if matches!(frame.kind, Kind::If | Kind::Else) || frame.targeted {
                        self.close();
                        self.open(false);
                    }
                }
            }
            O::Br { relative_depth } => {
                self.add(cost)?;
                self.target(relative_depth);
                self.close();
                self.emit(op, raw)?;
                self.live = false;
            }
            O::BrIf { relative_depth } => {
                self.add(cost)?;
                self.target(relative_depth);
                self.close();
                self.emit(op, raw)?;
                self.apply(1, v)?;
                self.open(false);
            }
            O::BrTable { ref targets } => {
                let per = u64::from(targets.len()).checked_mul(self.ctx.schedule.br_table_per_target);
                let total = per.and_then(|p| p.checked_add(cost)).ok_or(self.overflow())?;
                self.add(total)?;
                for t in targets.targets() {
                    self.target(t?);
                }
                self.target(targets.default());
                self.close();
                self.emit(op, raw)?;
                self.live = false;
            }
            O::Return => {
                self.add(cost)?;
                self.inserts.push((self.code.len(), Insert::Leave));
                self.close();
                self.emit(op, raw)?;
                self.live = false;
            }
            O::Call { function_index } => {
                let ty = self.ctx.func_types.get(function_index as usize).copied();
                let (params, _) = self.func_arity(ty.ok_or_else(|| internal("call to an unknown function"))?)?;
                self.add(cost)?;
                self.emit(op, raw)?;
                self.apply(params, v)?;
                self.close();
                self.open(false);
            }
            O::CallIndirect { type_index, .. } => {
                let (params, _) = self.func_arity(type_index)?;
                self.add(cost)?;
                self.emit(op, raw)?;
                self.apply(params + 1, v)?;
                self.close();
                self.open(false);
            }
            _ => {
                self.add(cost)?;
                if let Some(d) = kind.dynamic() {
                    let unit = self.ctx.schedule.dynamic.unit(d);
                    if unit > 0 {
                        self.code.push(OP_I64_CONST);
                        write_i64(&mut self.code, unit as i64);
                        self.code.push(OP_CALL);
                        write_u32(&mut self.code, GAS_LEN_FUNC);
                    }
                }
                self.emit(op, raw)?;
                let (pops, _) = kind.fixed_arity().ok_or_else(|| internal("operator without a fixed arity"))?;
                self.apply(pops as usize, v)?;
            }
        }
        Ok(())
    }

    /// Dead code (after `unreachable`, `br`, `br_table` or `return`, up to the end of the frame):
    /// copied with shifted indices, never charged. Only the frame structure is tracked.
    fn dead_op(
        &mut self,
        kind: OpKind,
        op: &wasmparser::Operator<'_>,
        raw: &[u8],
        v: &FuncValidator<ValidatorResources>,
    ) -> Result<(), InjectError> {
        self.emit(op, raw)?;
        match kind {
            OpKind::Block => self.ctrl.push(Ctrl { kind: Kind::Block, live: false, targeted: false, base: 0 }),
            OpKind::Loop => self.ctrl.push(Ctrl { kind: Kind::Loop, live: false, targeted: false, base: 0 }),
            OpKind::If => self.ctrl.push(Ctrl { kind: Kind::If, live: false, targeted: false, base: 0 }),
            OpKind::Else => {
                let frame = self.ctrl.last_mut().ok_or_else(|| internal("else without a frame"))?;
                frame.kind = Kind::Else;
                if frame.live {
                    let base = frame.base;
                    self.live = true;
                    self.resync(base, v)?;
                    self.open(false);
                }
            }
            OpKind::End => {
                let frame = self.ctrl.pop().ok_or_else(|| internal("end without a frame"))?;
                if frame.live && frame.kind != Kind::Func {
                    self.live = true;
                    self.resync(frame.base, v)?;
                    self.open(false);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Writes the final body: locals, stack reserve, wrapper block, the code with its inserts,
    /// stack release.
    fn assemble(self, locals: &[u8], wrapper: &[u8], frame: u32) -> Vec<u8> {
        let charges = self.inserts.len();
        let mut out = Vec::with_capacity(locals.len() + self.code.len() + charges * 6 + 32);
        out.extend_from_slice(locals);
        stack_call(&mut out, frame, STACK_ENTER_FUNC);
        out.push(OP_BLOCK);
        out.extend_from_slice(wrapper);
        let mut prev = 0;
        for (pos, insert) in &self.inserts {
            if let Some(chunk) = self.code.get(prev..*pos) {
                out.extend_from_slice(chunk);
                prev = *pos;
            }
            match *insert {
                Insert::Charge(0) => {}
                Insert::Charge(c) => {
                    out.push(OP_I64_CONST);
                    write_i64(&mut out, c as i64);
                    out.push(OP_CALL);
                    write_u32(&mut out, GAS_FUNC);
                }
                Insert::Leave => stack_call(&mut out, frame, STACK_LEAVE_FUNC),
            }
        }
        out.extend_from_slice(self.code.get(prev..).unwrap_or_default());
        stack_call(&mut out, frame, STACK_LEAVE_FUNC);
        out.push(OP_END);
        out
    }
}

/// `i32.const frame; call func`.
fn stack_call(out: &mut Vec<u8>, frame: u32, func: u32) {
    out.push(OP_I32_CONST);
    write_i64(out, i64::from(frame as i32));
    out.push(OP_CALL);
    write_u32(out, func);
}
