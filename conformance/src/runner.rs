//! Executing a planned [`Script`] against tally-vm.

use std::collections::HashMap;

use tally_vm::{Config, Engine, Error, Instance, Linker, Module, Store, TrapCode, Val};

use crate::report::{FileReport, Verdict};
use crate::script::{Action, Directive, DirectiveKind, Script};
use crate::traps::trap_matches;
use crate::values::{list, placeholder, Expected, ShowVal};
use crate::{panics, spectest};

/// The configuration the spec suite runs under: the default profile with the full 4 GiB
/// (65536-page) memory space the suite's `memory.grow` tests probe.
pub fn spec_config() -> Config {
    Config::default().max_memory_pages(65_536)
}

/// Runs every directive of `script` in a fresh store and returns the verdicts.
///
/// A panic inside the VM is caught and counted as a failure of the directive that caused it;
/// the run then continues with the next directive.
pub fn run_script(script: &Script, config: &Config) -> FileReport {
    let mut report = FileReport::new(script.name.clone());
    let mut session = match panics::catch(|| Session::new(config)) {
        Ok(Ok(session)) => session,
        Ok(Err(err)) => {
            report.record(0, 0, "spectest", Verdict::Failed(format!("cannot set up the spectest module: {err}")));
            return report;
        }
        Err(panic) => {
            report.record(0, 0, "spectest", Verdict::Failed(panic));
            return report;
        }
    };
    for directive in &script.directives {
        let verdict = panics::catch(|| session.execute(directive)).unwrap_or_else(Verdict::Failed);
        report.record(directive.line, directive.column, directive.command, verdict);
    }
    report
}

/// Why an action produced no values.
enum ActionError {
    /// The VM returned an error (including traps).
    Vm(Error),
    /// The script referred to something that does not exist.
    Script(String),
}

/// The state one script builds up: its store, linker and named instances.
struct Session {
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    current: Option<Instance>,
    instances: HashMap<String, Instance>,
    definitions: HashMap<String, Module>,
    last_definition: Option<Module>,
}

impl Session {
    fn new(config: &Config) -> Result<Self, Error> {
        let engine = Engine::new(config.clone());
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        spectest::define(&mut linker, &mut store)?;
        Ok(Self {
            engine,
            store,
            linker,
            current: None,
            instances: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
        })
    }

    fn execute(&mut self, directive: &Directive) -> Verdict {
        match &directive.kind {
            DirectiveKind::Module { id, wasm } => self.module(id.as_deref(), wasm),
            DirectiveKind::ModuleDefinition { id, wasm } => self.define(id.as_deref(), wasm),
            DirectiveKind::ModuleInstance { instance, module } => {
                self.instantiate_definition(instance.as_deref(), module.as_deref())
            }
            DirectiveKind::Register { name, module } => self.register(name, module.as_deref()),
            DirectiveKind::Action(action) => match self.perform(action) {
                Ok(_) => Verdict::Passed,
                Err(err) => Verdict::Failed(describe_error(&err)),
            },
            DirectiveKind::AssertReturn { action, expected } => self.assert_return(action, expected),
            DirectiveKind::AssertTrap { action, message } => self.assert_trap(action, message),
            DirectiveKind::AssertExhaustion { action, message } => self.assert_exhaustion(action, message),
            DirectiveKind::AssertInvalid { wasm, message } => self.assert_rejected(wasm, "invalid", message),
            DirectiveKind::AssertMalformed { wasm, message } => self.assert_rejected(wasm, "malformed", message),
            DirectiveKind::AssertUnlinkable { wasm, message } => self.assert_unlinkable(wasm, message),
            DirectiveKind::Settled(verdict) => verdict.clone(),
        }
    }

    /// Compiles and instantiates; the instance becomes current (and named, given an id).
    fn module(&mut self, id: Option<&str>, wasm: &[u8]) -> Verdict {
        // Like the reference interpreter, a failed module leaves no current instance, so the
        // assertions that depend on it fail visibly instead of running against a stale one.
        self.current = None;
        let module = match Module::new(&self.engine, wasm) {
            Ok(module) => module,
            Err(err) => return Verdict::Failed(format!("module does not compile: {err}")),
        };
        match self.linker.instantiate(&mut self.store, &module) {
            Ok(instance) => {
                self.adopt(id, instance);
                Verdict::Passed
            }
            Err(err) => Verdict::Failed(format!("module does not instantiate: {err}")),
        }
    }

    fn define(&mut self, id: Option<&str>, wasm: &[u8]) -> Verdict {
        match Module::new(&self.engine, wasm) {
            Ok(module) => {
                if let Some(id) = id {
                    self.definitions.insert(id.to_string(), module.clone());
                }
                self.last_definition = Some(module);
                Verdict::Passed
            }
            Err(err) => Verdict::Failed(format!("module definition does not compile: {err}")),
        }
    }

    fn instantiate_definition(&mut self, instance: Option<&str>, module: Option<&str>) -> Verdict {
        self.current = None;
        let definition = match module {
            Some(name) => self.definitions.get(name),
            None => self.last_definition.as_ref(),
        };
        let Some(definition) = definition.cloned() else {
            return Verdict::Failed(format!("no module definition {}", module.unwrap_or("(latest)")));
        };
        match self.linker.instantiate(&mut self.store, &definition) {
            Ok(new) => {
                self.adopt(instance, new);
                Verdict::Passed
            }
            Err(err) => Verdict::Failed(format!("module does not instantiate: {err}")),
        }
    }

    fn adopt(&mut self, id: Option<&str>, instance: Instance) {
        self.current = Some(instance);
        if let Some(id) = id {
            self.instances.insert(id.to_string(), instance);
        }
    }

    fn register(&mut self, name: &str, module: Option<&str>) -> Verdict {
        let instance = match self.instance(module) {
            Ok(instance) => instance,
            Err(err) => return Verdict::Failed(describe_error(&err)),
        };
        match self.linker.instance(&self.store, name, instance) {
            Ok(_) => Verdict::Passed,
            Err(err) => Verdict::Failed(format!("cannot register as {name:?}: {err}")),
        }
    }

    fn instance(&self, module: Option<&str>) -> Result<Instance, ActionError> {
        match module {
            Some(name) => {
                self.instances.get(name).copied().ok_or_else(|| ActionError::Script(format!("no instance ${name}")))
            }
            None => self.current.ok_or_else(|| ActionError::Script("no current instance".to_string())),
        }
    }

    fn perform(&mut self, action: &Action) -> Result<Vec<Val>, ActionError> {
        match action {
            Action::Invoke { module, name, args } => {
                let instance = self.instance(module.as_deref())?;
                let func = instance
                    .get_func(&self.store, name)
                    .ok_or_else(|| ActionError::Script(format!("no exported function {name:?}")))?;
                let params: Vec<Val> = args.iter().map(|arg| arg.to_val()).collect();
                let mut results: Vec<Val> = func.ty(&self.store).results().iter().map(|&ty| placeholder(ty)).collect();
                func.call(&mut self.store, &params, &mut results).map_err(ActionError::Vm)?;
                Ok(results)
            }
            Action::Get { module, global } => {
                let instance = self.instance(module.as_deref())?;
                let global = instance
                    .get_global(&self.store, global)
                    .ok_or_else(|| ActionError::Script(format!("no exported global {global:?}")))?;
                Ok(vec![global.get(&self.store)])
            }
            Action::Instantiate { wasm } => {
                let module = Module::new(&self.engine, wasm)
                    .map_err(|err| ActionError::Script(format!("module does not compile: {err}")))?;
                self.linker.instantiate(&mut self.store, &module).map_err(ActionError::Vm)?;
                Ok(Vec::new())
            }
        }
    }

    fn assert_return(&mut self, action: &Action, expected: &[Expected]) -> Verdict {
        match self.perform(action) {
            Ok(got) if got.len() == expected.len() && expected.iter().zip(&got).all(|(e, v)| e.matches(v)) => {
                Verdict::Passed
            }
            Ok(got) => Verdict::Failed(format!("expected {}, got {}", list(expected), list(got.iter().map(ShowVal)))),
            Err(err) => Verdict::Failed(format!("expected {}, got {}", list(expected), describe_error(&err))),
        }
    }

    fn assert_trap(&mut self, action: &Action, message: &str) -> Verdict {
        self.expect_trap(action, message, |code| trap_matches(message, code))
    }

    fn assert_exhaustion(&mut self, action: &Action, message: &str) -> Verdict {
        self.expect_trap(action, message, |code| code == TrapCode::StackExhausted)
    }

    fn expect_trap(&mut self, action: &Action, message: &str, accept: impl Fn(TrapCode) -> bool) -> Verdict {
        match self.perform(action) {
            Err(ActionError::Vm(Error::Trap(trap))) if accept(trap.code) => Verdict::Passed,
            Err(ActionError::Vm(Error::Trap(trap))) => Verdict::Failed(format!(
                "expected trap {message:?}, got trap {} ({:?})",
                trap.code,
                trap.code.spec_message()
            )),
            Ok(got) => Verdict::Failed(format!("expected trap {message:?}, got {}", list(got.iter().map(ShowVal)))),
            Err(err) => Verdict::Failed(format!("expected trap {message:?}, got {}", describe_error(&err))),
        }
    }

    /// `assert_invalid` / `assert_malformed`: any compile-time rejection passes; the VM's
    /// wording is not compared with the spec's.
    fn assert_rejected(&self, wasm: &[u8], what: &str, message: &str) -> Verdict {
        match Module::new(&self.engine, wasm) {
            Err(Error::Invalid { .. } | Error::UnsupportedFeature { .. } | Error::LimitExceeded { .. }) => {
                Verdict::Passed
            }
            Err(err) => Verdict::Failed(format!("expected {what} module ({message:?}), got non-compile error: {err}")),
            Ok(_) => Verdict::Failed(format!("expected {what} module ({message:?}), but it compiled")),
        }
    }

    fn assert_unlinkable(&mut self, wasm: &[u8], message: &str) -> Verdict {
        let module = match Module::new(&self.engine, wasm) {
            Ok(module) => module,
            Err(err) => {
                return Verdict::Failed(format!(
                    "expected unlinkable ({message:?}), but module does not compile: {err}"
                ))
            }
        };
        match self.linker.instantiate(&mut self.store, &module) {
            Err(Error::Link { .. }) => Verdict::Passed,
            Err(err) => Verdict::Failed(format!("expected link error ({message:?}), got: {err}")),
            Ok(_) => Verdict::Failed(format!("expected link error ({message:?}), but it instantiated")),
        }
    }
}

fn describe_error(err: &ActionError) -> String {
    match err {
        ActionError::Vm(Error::Trap(trap)) => format!("trap {} ({:?})", trap.code, trap.code.spec_message()),
        ActionError::Vm(err) => format!("error: {err}"),
        ActionError::Script(msg) => format!("script error: {msg}"),
    }
}
