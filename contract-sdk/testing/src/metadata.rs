//! The `tally.metadata` section of SDK contracts, parsed (a minimal JSON reader; std only).

use tally_host_env::parse_hex;

/// What kind of entry point a method is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodKind {
    /// `#[init]`: runs at deployment through the `deploy` export.
    Init,
    /// `#[call]`: may change state.
    Call,
    /// `#[view]`: read-only.
    View,
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
    /// Parses the metadata JSON.
    pub fn parse(json: &str) -> Result<Metadata, String> {
        let value = Json::parse(json)?;
        let text = |v: &Json, key: &str| -> Result<String, String> {
            v.get(key).and_then(Json::as_str).map(str::to_string).ok_or_else(|| format!("metadata: no string `{key}`"))
        };
        let mut methods = Vec::new();
        for m in value.get("methods").and_then(Json::as_array).ok_or("metadata: no `methods`")? {
            let kind = match text(m, "kind")?.as_str() {
                "init" => MethodKind::Init,
                "call" => MethodKind::Call,
                "view" => MethodKind::View,
                other => return Err(format!("metadata: unknown method kind `{other}`")),
            };
            let selector = parse_hex(&text(m, "selector")?)
                .and_then(|s| <[u8; 4]>::try_from(s).ok())
                .ok_or("metadata: bad selector")?;
            let mut args = Vec::new();
            for a in m.get("args").and_then(Json::as_array).unwrap_or_default() {
                args.push((text(a, "name")?, text(a, "type")?));
            }
            methods.push(MethodInfo {
                name: text(m, "name")?,
                kind,
                selector,
                mutates: matches!(m.get("mutates"), Some(Json::Bool(true))),
                args,
                returns: m.get("returns").and_then(Json::as_str).map(str::to_string),
            });
        }
        let mut events = Vec::new();
        for e in value.get("events").and_then(Json::as_array).unwrap_or_default() {
            let anonymous = matches!(e.get("anonymous"), Some(Json::Bool(true)));
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

    /// The `#[call]`/`#[view]` method with this selector.
    pub fn method_by_selector(&self, selector: [u8; 4]) -> Option<&MethodInfo> {
        self.methods.iter().find(|m| m.kind != MethodKind::Init && m.selector == selector)
    }

    /// The non-anonymous event whose signature is `topic0`.
    pub fn event_by_signature(&self, topic0: &[u8; 32]) -> Option<&EventInfo> {
        self.events.iter().find(|e| e.signature.as_ref() == Some(topic0))
    }
}

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn parse(text: &str) -> Result<Json, String> {
        let mut p = Parser { s: text.as_bytes(), pos: 0 };
        let v = p.value(0)?;
        p.ws();
        if p.pos != p.s.len() {
            return Err(format!("metadata: trailing characters at byte {}", p.pos));
        }
        Ok(v)
    }

    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }
}

/// A strict JSON reader (RFC 8259): what it accepts, every JSON parser reads the same way.
/// Objects with a repeated name are refused (parsers differ on which value wins).
struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.s.get(self.pos).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("metadata: {what} at byte {}", self.pos))
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s.get(self.pos..).is_some_and(|rest| rest.starts_with(lit.as_bytes())) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: u32) -> Result<Json, String> {
        if depth > 64 {
            return self.err("nesting too deep");
        }
        self.ws();
        match self.s.get(self.pos) {
            None => self.err("unexpected end"),
            Some(b'{') => {
                self.pos += 1;
                let mut fields: Vec<(String, Json)> = Vec::new();
                self.ws();
                if self.eat("}") {
                    return Ok(Json::Object(fields));
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    if fields.iter().any(|(k, _)| *k == key) {
                        return self.err(&format!("repeated name `{key}`"));
                    }
                    self.ws();
                    if !self.eat(":") {
                        return self.err("expected `:`");
                    }
                    fields.push((key, self.value(depth + 1)?));
                    self.ws();
                    if self.eat("}") {
                        return Ok(Json::Object(fields));
                    }
                    if !self.eat(",") {
                        return self.err("expected `,` or `}`");
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat("]") {
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat("]") {
                        return Ok(Json::Array(items));
                    }
                    if !self.eat(",") {
                        return self.err("expected `,` or `]`");
                    }
                }
            }
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(_) if self.eat("null") => Ok(Json::Null),
            Some(_) if self.eat("true") => Ok(Json::Bool(true)),
            Some(_) if self.eat("false") => Ok(Json::Bool(false)),
            Some(_) => self.number(),
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Result<Json, String> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.s.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
            p.pos - from
        };
        self.eat("-");
        match digits(self) {
            0 => return self.err("unexpected character"),
            n if n > 1 && self.s[self.pos - n] == b'0' => return self.err("a number with a leading zero"),
            _ => {}
        }
        if self.eat(".") && digits(self) == 0 {
            return self.err("no digits after `.`");
        }
        if self.eat("e") || self.eat("E") {
            let _ = self.eat("+") || self.eat("-");
            if digits(self) == 0 {
                return self.err("no digits in the exponent");
            }
        }
        // The bytes are ASCII digits, signs, `.` and `e`: UTF-8, and a valid `f64` literal.
        let text = std::str::from_utf8(&self.s[start..self.pos]).map_err(|e| e.to_string())?;
        text.parse::<f64>().map(Json::Number).map_err(|e| format!("metadata: {e} at byte {start}"))
    }

    /// Four hex digits after `\u`.
    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.s.get(self.pos..self.pos + 4).filter(|h| h.iter().all(u8::is_ascii_hexdigit));
        let Some(digits) = digits else { return self.err("bad `\\u` escape") };
        let code = digits.iter().fold(0, |n, d| n * 16 + (*d as char).to_digit(16).unwrap_or(0));
        self.pos += 4;
        Ok(code)
    }

    fn string(&mut self) -> Result<String, String> {
        if !self.eat("\"") {
            return self.err("expected a string");
        }
        let mut out = String::new();
        loop {
            let start = self.pos;
            while self.s.get(self.pos).is_some_and(|b| *b != b'"' && *b != b'\\' && *b >= 0x20) {
                self.pos += 1;
            }
            out.push_str(std::str::from_utf8(&self.s[start..self.pos]).map_err(|e| e.to_string())?);
            match self.s.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = self.s.get(self.pos).copied();
                    self.pos += 1;
                    match c {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let mut code = self.hex4()?;
                            if (0xd800..0xdc00).contains(&code) {
                                // A high surrogate: a low one must follow.
                                if !self.eat("\\u") {
                                    return self.err("a lone surrogate");
                                }
                                let low = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&low) {
                                    return self.err("a lone surrogate");
                                }
                                code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                            }
                            match char::from_u32(code) {
                                Some(c) => out.push(c),
                                None => return self.err("a lone surrogate"),
                            }
                        }
                        _ => return self.err("bad escape"),
                    }
                }
                Some(_) => return self.err("a control character in a string"),
                None => return self.err("unterminated string"),
            }
        }
    }
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
             "args":[{"name":"to","type":"Address"},{"name":"value","type":"u128"}],"returns":"Result<(), Error>"}],
 "events":[{"name":"Transfer","signature":"0x0000000000000000000000000000000000000000000000000000000000000007","anonymous":false,
            "fields":[{"name":"from","type":"Address","topic":true}]},
           {"name":"Anon","signature":null,"anonymous":true,"fields":[]}],
 "escapes":"a\"b\\c\u0041\n", "n": -1.5e3}"#;
        let m = Metadata::parse(json).expect("parses");
        assert_eq!(m.contract, "Token");
        assert_eq!(m.module, "token");
        assert_eq!(m.methods[0].kind, MethodKind::Init);
        assert_eq!(m.methods[0].returns, None);
        let t = m.method("transfer").expect("transfer");
        assert_eq!(t.selector, [0xb4, 0x83, 0xaf, 0xd3]);
        assert!(t.mutates);
        assert_eq!(t.args[1], ("value".to_string(), "u128".to_string()));
        assert_eq!(t.returns.as_deref(), Some("Result<(), Error>"));
        assert_eq!(m.method_by_selector([0xb4, 0x83, 0xaf, 0xd3]).map(|m| m.name.as_str()), Some("transfer"));
        assert_eq!(m.method_by_selector([1, 2, 3, 4]), None, "init is not reachable through `call`");
        let mut sig = [0; 32];
        sig[31] = 7;
        assert_eq!(m.event_by_signature(&sig).map(|e| e.name.as_str()), Some("Transfer"));
        assert_eq!(m.events[1].signature, None);
        assert_eq!(Json::parse(r#""a\"b\\c\u0041\n""#), Ok(Json::String("a\"b\\cA\n".into())));
        assert!(Metadata::parse("{").is_err());
        assert!(Metadata::parse("{} x").is_err());
        assert!(Metadata::parse(r#"{"contract":"X"}"#).is_err());
    }

    /// Only JSON is read, and read the way every JSON parser reads it (the `decode` fuzz target
    /// compares this reader with serde_json's; each case here is something it accepted before).
    #[test]
    fn reads_json_strictly() {
        for bad in [
            "\"a\u{1}b\"", // a control character in a string
            "\"\\u",       // a truncated escape (it read past the end)
            "\"\\u+fff\"", // not four hex digits
            "\"\\ud800\"", // a lone surrogate
            "\"\\udc00\"", // a lone low surrogate
            "+1",
            "01",
            "1.",
            ".5",
            "1.e5",
            "1e",
            "-",
            "\u{c}1",           // form feed is not JSON whitespace
            r#"{"a":1,"a":2}"#, // a repeated name
        ] {
            assert!(Json::parse(bad).is_err(), "{bad:?} is not JSON");
        }
        assert_eq!(Json::parse(r#""\ud83d\ude00""#), Ok(Json::String("\u{1f600}".into())));
        assert_eq!(Json::parse(" -0.5e-3 "), Ok(Json::Number(-0.5e-3)));
        assert_eq!(
            Json::parse("[0, 10, 1E+2]"),
            Ok(Json::Array(vec![Json::Number(0.0), Json::Number(10.0), Json::Number(100.0)]))
        );
    }
}
