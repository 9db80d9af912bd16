//! What the module tells every function body: the schedule, the module's types and function
//! signatures, and a per-operator table of what metering needs (cost, unit cost, arity), built
//! once per module so that metering an operator is one table lookup.

use wasmparser::FuncType;

use crate::ops::OpKind;
use crate::schedule::Schedule;

/// What the module tells every function body.
pub(crate) struct ModuleCtx<'a> {
    /// The schedule the module is instrumented under.
    pub schedule: &'a Schedule,
    /// What metering needs to know about each operator, by [`OpKind::index`] (a fixed-size
    /// table: looked up once per operator, by kinds known only at run time, so that all plain
    /// operators share one copy of the metering code).
    pub ops: [OpInfo; OpKind::COUNT],
    /// Every type of the module.
    pub types: &'a [TypeInfo],
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
}

impl OpInfo {
    /// The table for `schedule`, by [`OpKind::index`].
    pub(crate) fn table(schedule: &Schedule) -> [OpInfo; OpKind::COUNT] {
        std::array::from_fn(|i| match OpKind::from_index(i) {
            Some(kind) => {
                let cost = schedule.cost(kind);
                let unit = kind.dynamic().map_or(0, |d| schedule.dynamic.unit(d));
                let (fixed, pops, grows) = match kind.fixed_arity() {
                    Some((pops, pushes)) => (true, pops as u8, pushes > pops),
                    None => (false, 0, false),
                };
                let access = kind.is_memory_access();
                OpInfo { cost: cost.unwrap_or(0), unit, allowed: cost.is_some(), fixed, pops, grows, access }
            }
            None => OpInfo::default(),
        })
    }
}

/// One type of the module, as needed for instrumentation.
pub(crate) struct TypeInfo {
    /// The function type, for function types.
    pub func: Option<FuncType>,
    /// A final function type without supertype in an implicit recursion group: reusable for
    /// the injected imports and wrapper blocks.
    pub plain: bool,
}
