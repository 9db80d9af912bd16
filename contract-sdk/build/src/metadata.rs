//! The metadata of an SDK contract (the JSON of its `tally.metadata` section, format version 1,
//! see `contract-sdk/README.md`), parsed into [`Metadata`]: the one reader TestChain and the
//! `tally` CLI share.
//!
//! Strict: every method needs a name, a known kind and a 4-byte selector, every argument a
//! name and a type, every event a name; the contract and module names must be there. Metadata
//! that does not say what a method is called or how it is selected is refused rather than
//! guessed at.

use serde_json::Value as Json;
use tally_digest::parse_hex;

/// What kind of entry point a method is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodKind {
    /// `#[init]`: runs at deployment through the `deploy` export.
    Init,
    /// `#[call]`: may change state.
    Call,
    /// `#[view]`: read-only.
    View,
    /// `#[migrate]`: runs after `set_code` installs this code, through the `migrate` export.
    Migrate,
}

/// One method of an SDK contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodInfo {
    /// The Rust method name.
    pub name: String,
    /// Init, call or view.
    pub kind: MethodKind,
    /// `keccak256(name)[..4]`.
    pub selector: [u8; 4],
    /// Whether it may change state.
    pub mutates: bool,
    /// Arguments as (name, type as written).
    pub args: Vec<(String, String)>,
    /// The return type as written, if declared.
    pub returns: Option<String>,
}

impl MethodInfo {
    /// The export that runs it: `deploy` for the initializer and `migrate` for the migration
    /// (their input is the arguments alone), `call` for the others (input
    /// `selector ‖ SCALE(args)`).
    pub fn entry(&self) -> &'static str {
        match self.kind {
            MethodKind::Init => "deploy",
            MethodKind::Migrate => "migrate",
            MethodKind::Call | MethodKind::View => "call",
        }
    }
}

/// One event of an SDK contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventInfo {
    /// The struct name.
    pub name: String,
    /// Topic 0 (`keccak256(name)`), absent for anonymous events.
    pub signature: Option<[u8; 32]>,
}

/// An SDK contract's metadata (format version 1, see `contract-sdk/README.md`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// The storage struct's name, e.g. `Token`.
    pub contract: String,
    /// The contract module's name, e.g. `token`.
    pub module: String,
    /// Methods in declaration order.
    pub methods: Vec<MethodInfo>,
    /// Events in declaration order.
    pub events: Vec<EventInfo>,
    /// The JSON as stored.
    pub json: String,
}

impl Metadata {
    /// Parses the metadata JSON; the error names the missing or malformed field.
    pub fn parse(json: &str) -> Result<Metadata, String> {
        let value: Json = serde_json::from_str(json).map_err(|e| format!("metadata is not JSON: {e}"))?;
        let mut methods = Vec::new();
        for m in value.get("methods").and_then(Json::as_array).ok_or("metadata: no `methods`")? {
            let kind = match text(m, "kind")?.as_str() {
                "init" => MethodKind::Init,
                "call" => MethodKind::Call,
                "view" => MethodKind::View,
                "migrate" => MethodKind::Migrate,
                other => return Err(format!("metadata: unknown method kind `{other}`")),
            };
            let selector = parse_hex(&text(m, "selector")?)
                .and_then(|s| <[u8; 4]>::try_from(s).ok())
                .ok_or("metadata: bad selector")?;
            let mut args = Vec::new();
            for a in list(m, "args") {
                args.push((text(a, "name")?, text(a, "type")?));
            }
            methods.push(MethodInfo {
                name: text(m, "name")?,
                kind,
                selector,
                mutates: m.get("mutates") == Some(&Json::Bool(true)),
                args,
                returns: m.get("returns").and_then(Json::as_str).map(str::to_string),
            });
        }
        let mut events = Vec::new();
        for e in list(&value, "events") {
            let anonymous = e.get("anonymous") == Some(&Json::Bool(true));
            let signature = e
                .get("signature")
                .and_then(Json::as_str)
                .and_then(parse_hex)
                .and_then(|s| <[u8; 32]>::try_from(s).ok())
                .filter(|_| !anonymous);
            events.push(EventInfo { name: text(e, "name")?, signature });
        }
        Ok(Metadata {
            contract: text(&value, "contract")?,
            module: text(&value, "module")?,
            methods,
            events,
            json: json.to_string(),
        })
    }

    /// The method called `name`.
    pub fn method(&self, name: &str) -> Option<&MethodInfo> {
        self.methods.iter().find(|m| m.name == name)
    }

    /// The initializer (`#[init]`), if the contract declares one.
    pub fn init(&self) -> Option<&MethodInfo> {
        self.methods.iter().find(|m| m.kind == MethodKind::Init)
    }

    /// The `#[call]`/`#[view]` method with this selector.
    pub fn method_by_selector(&self, selector: [u8; 4]) -> Option<&MethodInfo> {
        self.methods.iter().find(|m| matches!(m.kind, MethodKind::Call | MethodKind::View) && m.selector == selector)
    }

    /// The non-anonymous event whose signature is `topic0`.
    pub fn event_by_signature(&self, topic0: &[u8; 32]) -> Option<&EventInfo> {
        self.events.iter().find(|e| e.signature.as_ref() == Some(topic0))
    }
}

/// The string field `key` of `v`, which must be there.
fn text(v: &Json, key: &str) -> Result<String, String> {
    v.get(key).and_then(Json::as_str).map(str::to_string).ok_or_else(|| format!("metadata: no string `{key}`"))
}

/// The list field `key` of `v`; an absent (or non-list) field is an empty list.
fn list<'a>(v: &'a Json, key: &str) -> &'a [Json] {
    v.get(key).and_then(Json::as_array).map(Vec::as_slice).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_format() {
        let json = r#"{"metadata_version":1,"abi":"tally_host_v1","contract":"Token","module":"token",
 "storage":[{"field":"balances","type":"Map<Address, u128>","prefix":"0x62616c616e636573"}],
 "methods":[{"name":"init","kind":"init","entry":"deploy","selector":"0x01020304","mutates":true,
             "args":[{"name":"supply","type":"u128"}],"returns":null},
            {"name":"transfer","kind":"call","entry":"call","selector":"0xb483afd3","mutates":true,
             "args":[{"name":"to","type":"Address"},{"name":"value","type":"u128"}],"returns":"Result<(), Error>"},
            {"name":"balance_of","kind":"view","entry":"call","selector":"0x00000001","mutates":false,
             "args":[{"name":"who","type":"Address"}],"returns":"u128"}],
 "events":[{"name":"Transfer","signature":"0x0000000000000000000000000000000000000000000000000000000000000007","anonymous":false,
            "fields":[{"name":"from","type":"Address","topic":true}]},
           {"name":"Anon","signature":null,"anonymous":true,"fields":[]}],
 "escapes":"a\"b\\c\u0041\n", "n": -1.5e3}"#;
        let m = Metadata::parse(json).expect("parses");
        assert_eq!(m.contract, "Token");
        assert_eq!(m.module, "token");
        assert_eq!(m.json, json);
        let init = m.init().expect("init");
        assert_eq!(
            (init.name.as_str(), init.kind, init.entry(), init.returns.as_deref()),
            ("init", MethodKind::Init, "deploy", None)
        );
        let t = m.method("transfer").expect("transfer");
        assert_eq!((t.kind, t.entry(), t.selector), (MethodKind::Call, "call", [0xb4, 0x83, 0xaf, 0xd3]));
        assert!(t.mutates);
        assert_eq!(t.args[1], ("value".to_string(), "u128".to_string()));
        assert_eq!(t.returns.as_deref(), Some("Result<(), Error>"));
        let view = m.method("balance_of").expect("balance_of");
        assert_eq!((view.kind, view.entry(), view.mutates), (MethodKind::View, "call", false));
        assert_eq!(m.method_by_selector([0xb4, 0x83, 0xaf, 0xd3]).map(|m| m.name.as_str()), Some("transfer"));
        assert_eq!(m.method_by_selector([1, 2, 3, 4]), None, "init is not reachable through `call`");
        let mut sig = [0; 32];
        sig[31] = 7;
        assert_eq!(m.event_by_signature(&sig).map(|e| e.name.as_str()), Some("Transfer"));
        assert_eq!(m.events[1].signature, None);
    }

    #[test]
    fn malformed_metadata_is_refused_naming_the_field() {
        let method = |fields: &str| format!(r#"{{"contract":"X","module":"x","methods":[{{{fields}}}]}}"#);
        let err = |json: &str| Metadata::parse(json).unwrap_err();
        assert!(err("{").starts_with("metadata is not JSON"));
        assert!(err("{} x").starts_with("metadata is not JSON"));
        assert_eq!(err(r#"{"contract":"X"}"#), "metadata: no `methods`");
        assert_eq!(err(r#"{"contract":"X","methods":[]}"#), "metadata: no string `module`");
        assert_eq!(err(r#"{"module":"x","methods":[]}"#), "metadata: no string `contract`");
        assert_eq!(err(&method(r#""name":"f","selector":"0x01020304""#)), "metadata: no string `kind`");
        assert_eq!(
            err(&method(r#""name":"f","kind":"pure","selector":"0x01020304""#)),
            "metadata: unknown method kind `pure`"
        );
        assert_eq!(err(&method(r#""name":"f","kind":"call""#)), "metadata: no string `selector`");
        assert_eq!(err(&method(r#""name":"f","kind":"call","selector":"0x0102""#)), "metadata: bad selector");
        assert_eq!(err(&method(r#""kind":"call","selector":"0x01020304""#)), "metadata: no string `name`");
        assert_eq!(
            err(&method(r#""name":"f","kind":"call","selector":"0x01020304","args":[{"name":"a"}]"#)),
            "metadata: no string `type`"
        );
        let ok = Metadata::parse(&method(r#""name":"f","kind":"call","selector":"0x01020304""#)).unwrap();
        assert_eq!((ok.methods[0].args.len(), ok.methods[0].mutates, ok.events.len()), (0, false, 0));
    }
}
