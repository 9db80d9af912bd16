//! Engine configuration: the deterministic feature profile and every resource limit.

/// Configuration for an [`Engine`](crate::Engine).
///
/// Every limit is enforced deterministically: the same module and inputs hit the same limit at
/// the same point on every host, whatever the host's memory or native stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Allow floating-point instructions. When `false`, every float instruction is rejected at
    /// validation, for chains that forbid floats.
    pub floats: bool,
    /// Maximum number of 64 KiB pages a linear memory may hold. `memory.grow` past it returns -1.
    pub max_memory_pages: u32,
    /// Maximum number of elements a table may hold. `table.grow` past it returns -1.
    pub max_table_elements: u32,
    /// Maximum depth of nested Wasm calls; deeper calls trap with `StackExhausted`.
    pub max_call_depth: u32,
    /// Maximum number of 64-bit value-stack cells over all active frames.
    pub max_stack_cells: u32,
    /// Maximum size in bytes of one function body.
    pub max_function_size: u32,
    /// Maximum number of locals (excluding parameters) of one function.
    pub max_locals: u32,
    /// Maximum number of parameters (and of results) of one function type.
    pub max_params: u32,
    /// Maximum size in bytes of a whole module.
    pub max_module_size: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            floats: true,
            max_memory_pages: 16 * 1024,
            max_table_elements: 1 << 20,
            max_call_depth: 16 * 1024,
            max_stack_cells: 1 << 20,
            // Instrumentation can grow a body several times over (a call becomes ~3.5× larger).
            max_function_size: 8 << 20,
            max_locals: 50_000,
            max_params: 1_000,
            max_module_size: 64 << 20,
        }
    }
}

impl Config {
    /// Sets whether floating-point instructions are accepted.
    pub fn floats(mut self, allow: bool) -> Self {
        self.floats = allow;
        self
    }

    /// Sets [`Config::max_memory_pages`].
    pub fn max_memory_pages(mut self, pages: u32) -> Self {
        self.max_memory_pages = pages;
        self
    }

    /// Sets [`Config::max_call_depth`].
    pub fn max_call_depth(mut self, depth: u32) -> Self {
        self.max_call_depth = depth;
        self
    }

    /// Sets [`Config::max_stack_cells`].
    pub fn max_stack_cells(mut self, cells: u32) -> Self {
        self.max_stack_cells = cells;
        self
    }

    /// Sets [`Config::max_function_size`].
    pub fn max_function_size(mut self, bytes: u32) -> Self {
        self.max_function_size = bytes;
        self
    }

    /// Sets [`Config::max_table_elements`].
    pub fn max_table_elements(mut self, elements: u32) -> Self {
        self.max_table_elements = elements;
        self
    }
}
