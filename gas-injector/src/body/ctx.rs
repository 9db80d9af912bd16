//! What the module tells every function body: the schedule, the module's types and function
//! signatures, and a per-operator table of what metering needs (cost, unit cost, arity), built
//! once per module (its schedule-independent half at compile time) so that metering an operator
//! is one table lookup.

use wasmparser::types::CoreTypeId;
use wasmparser::{
    BinaryReaderError, FuncType, GlobalType, HeapType, MemoryType, RefType, SubType, TableType, ValType,
    ValidatorResources, WasmFeatures, WasmModuleResources,
};

use crate::ops::{Dynamic, OpKind};
use crate::schedule::{Schedule, StackCosts};

/// What the module tells every function body.
pub(crate) struct ModuleCtx<'a> {
    /// The schedule the module is instrumented under.
    pub schedule: &'a Schedule,
    /// What metering needs to know about each operator, by [`OpKind::index`] (a fixed-size
    /// table: looked up once per operator, by kinds known only at run time, so that all plain
    /// operators share one copy of the metering code).
    pub ops: [OpInfo; OpKind::COUNT],
    /// Every type of the module.
    pub types: &'a [TypeInfo<'a>],
    /// Type index of every function (imported ones first).
    pub func_types: &'a [u32],
}

/// One operator under the schedule, as the meter uses it.
#[derive(Clone, Copy, Default)]
pub(crate) struct OpInfo {
    /// Its cost (0 when forbidden).
    pub(super) cost: u64,
    /// Its per-unit cost when it is size-dependent (0: no length charge).
    pub(super) unit: u64,
    /// The schedule allows it.
    pub(super) allowed: bool,
    /// Its arity does not depend on types ([`OpKind::fixed_arity`]).
    pub(super) fixed: bool,
    /// Values it pops, when fixed.
    pub(super) pops: u8,
    /// It pushes more values than it pops, so it may raise the stack's largest height.
    pub(super) grows: bool,
    /// It is a load or a store ([`OpKind::is_memory_access`]).
    pub(super) access: bool,
    /// Metering it takes more than adding its cost and following the stack's largest height:
    /// it is forbidden, size-dependent, a load or a store, without a fixed arity, or value sizes
    /// differ under the schedule.
    pub(super) slow: bool,
}

impl OpInfo {
    /// The table for `schedule`, by [`OpKind::index`]: [`SHAPES`] with the schedule's prices.
    pub(crate) fn table(schedule: &Schedule) -> [OpInfo; OpKind::COUNT] {
        let mut table = SHAPES;
        let uniform = uniform_size(&schedule.stack).is_some();
        // One pass over the table, then the few size-dependent operators' units (0 elsewhere).
        for (info, cost) in table.iter_mut().zip(schedule.op_costs()) {
            info.cost = cost.unwrap_or(0);
            info.allowed = cost.is_some();
            info.slow = !info.allowed || info.access || !info.fixed || !uniform;
        }
        for (kind, dynamic) in DYNAMIC {
            if let Some(info) = table.get_mut(kind.index()) {
                info.unit = schedule.dynamic.unit(dynamic);
                info.slow |= info.unit > 0;
            }
        }
        table
    }
}

/// What every operator's entry has whatever the schedule (arity, memory access), computed at
/// compile time: a call of [`OpInfo::table`] only adds the prices.
const SHAPES: [OpInfo; OpKind::COUNT] = {
    let none =
        OpInfo { cost: 0, unit: 0, allowed: false, fixed: false, pops: 0, grows: false, access: false, slow: true };
    let mut table = [none; OpKind::COUNT];
    let mut i = 0;
    while i < OpKind::COUNT {
        let kind = OpKind::ALL[i];
        let (fixed, pops, grows) = match kind.fixed_arity() {
            Some((pops, pushes)) => (true, pops as u8, pushes > pops),
            None => (false, 0, false),
        };
        table[i] = OpInfo { fixed, pops, grows, access: kind.is_memory_access(), ..none };
        i += 1;
    }
    table
};

/// The size-dependent operators and their per-unit cost classes ([`OpKind::dynamic`]).
const DYNAMIC: [(OpKind, Dynamic); 8] = {
    let mut list = [(OpKind::Nop, Dynamic::MemoryGrow); 8];
    let (mut i, mut n) = (0, 0);
    while i < OpKind::COUNT {
        if let Some(d) = OpKind::ALL[i].dynamic() {
            list[n] = (OpKind::ALL[i], d);
            n += 1;
        }
        i += 1;
    }
    assert!(n == 8, "eight size-dependent operators");
    list
};

/// The stack size of every value type when they are all the same (as in the default schedule),
/// which lets the meter follow the validator's operand-stack height instead of each value's size.
pub(crate) fn uniform_size(stack: &StackCosts) -> Option<u32> {
    Some(stack.i32)
        .filter(|&s| [stack.i64, stack.f32, stack.f64, stack.funcref, stack.externref].iter().all(|&t| t == s))
}

/// One type of the module, as needed for instrumentation.
pub(crate) struct TypeInfo<'t> {
    /// The type as the validator records it.
    pub sub: &'t SubType,
    /// The function type, for function types (the validator's copy).
    pub func: Option<&'t FuncType>,
    /// A final function type without supertype in an implicit recursion group: reusable for
    /// the injected imports and wrapper blocks.
    pub plain: bool,
}

/// The module as the function validators see it: the validator's own resources, except that a
/// type is found by its index in the module's list of them (each `call` looks its callee's type
/// up) instead of through the validator's type store, a search over its snapshots. The types
/// are the validator's own, from its record of the module.
pub(crate) struct Resources<'a> {
    /// The validator's resources, for everything else.
    pub inner: &'a ValidatorResources,
    /// Every type of the module, by index.
    pub types: &'a [TypeInfo<'a>],
}

impl WasmModuleResources for Resources<'_> {
    fn table_at(&self, at: u32) -> Option<TableType> {
        self.inner.table_at(at)
    }
    fn memory_at(&self, at: u32) -> Option<MemoryType> {
        self.inner.memory_at(at)
    }
    fn tag_at(&self, at: u32) -> Option<&FuncType> {
        self.inner.tag_at(at)
    }
    fn global_at(&self, at: u32) -> Option<GlobalType> {
        self.inner.global_at(at)
    }
    // Out of line: inlined, it changed LLVM's inlining of wasmparser's generic operator
    // validator, which cost 2 % of the instructions on a large module.
    #[inline(never)]
    fn sub_type_at(&self, type_index: u32) -> Option<&SubType> {
        self.types.get(type_index as usize).map(|t| t.sub)
    }
    fn sub_type_at_id(&self, id: CoreTypeId) -> &SubType {
        self.inner.sub_type_at_id(id)
    }
    fn type_id_of_function(&self, func_idx: u32) -> Option<CoreTypeId> {
        self.inner.type_id_of_function(func_idx)
    }
    fn type_index_of_function(&self, func_index: u32) -> Option<u32> {
        self.inner.type_index_of_function(func_index)
    }
    fn element_type_at(&self, at: u32) -> Option<RefType> {
        self.inner.element_type_at(at)
    }
    fn is_subtype(&self, a: ValType, b: ValType) -> bool {
        self.inner.is_subtype(a, b)
    }
    fn is_shared(&self, ty: RefType) -> bool {
        self.inner.is_shared(ty)
    }
    fn check_value_type(&self, t: &mut ValType, features: &WasmFeatures, offset: u64) -> Result<(), BinaryReaderError> {
        self.inner.check_value_type(t, features, offset)
    }
    fn check_ref_type(&self, ref_type: &mut RefType, offset: u64) -> Result<(), BinaryReaderError> {
        self.inner.check_ref_type(ref_type, offset)
    }
    fn check_heap_type(&self, heap_type: &mut HeapType, offset: u64) -> Result<(), BinaryReaderError> {
        self.inner.check_heap_type(heap_type, offset)
    }
    fn top_type(&self, heap_type: &HeapType) -> HeapType {
        self.inner.top_type(heap_type)
    }
    fn element_count(&self) -> u32 {
        self.inner.element_count()
    }
    fn data_count(&self) -> Option<u32> {
        self.inner.data_count()
    }
    fn is_function_referenced(&self, idx: u32) -> bool {
        self.inner.is_function_referenced(idx)
    }
    fn has_function_exact_type(&self, idx: u32) -> bool {
        self.inner.has_function_exact_type(idx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table built from the compile-time shapes is the table built kind by kind from the
    /// schedule, for schedules with forbidden operators and other prices.
    #[test]
    fn table_matches_a_direct_build() {
        let mut odd = Schedule::uniform(7).with_cost(OpKind::MemoryFill, None).with_cost(OpKind::I32Add, None);
        odd.dynamic.table_copy_per_element = 0;
        odd.dynamic.memory_grow_per_page = 3;
        let mut sized = Schedule::default();
        sized.stack.i64 = 2;
        for (schedule, uniform) in [(Schedule::default(), true), (odd, true), (sized, false)] {
            let table = OpInfo::table(&schedule);
            for (i, info) in table.iter().enumerate() {
                let kind = OpKind::from_index(i).expect("a kind per entry");
                let cost = schedule.cost(kind);
                let (fixed, pops, grows) = match kind.fixed_arity() {
                    Some((pops, pushes)) => (true, pops as u8, pushes > pops),
                    None => (false, 0, false),
                };
                let unit = kind.dynamic().map_or(0, |d| schedule.dynamic.unit(d));
                let access = kind.is_memory_access();
                let expected = (cost.unwrap_or(0), unit, cost.is_some(), fixed, pops, grows, access);
                let got = (info.cost, info.unit, info.allowed, info.fixed, info.pops, info.grows, info.access);
                assert_eq!(got, expected, "{kind}");
                let slow = cost.is_none() || unit > 0 || access || !fixed || !uniform;
                assert_eq!(info.slow, slow, "{kind}");
            }
        }
    }
}
