//! The JSON workload: a deterministic document written and then parsed by a hand-written
//! recursive-descent parser that checks the grammar and folds every value into a checksum.
//!
//! Byte-at-a-time scanning with a branch per character class and a call per value: the short
//! regions between branches and calls that contract code (decoders, dispatchers) is made of.

/// Records in the generated document (about 15 KiB of JSON).
pub const JSON_RECORDS: usize = 96;

/// Capacity of the document buffer (on the shadow stack, half of the guests' 32 KiB, so no static memory is added).
const DOC_CAP: usize = 16 * 1024;

/// Parses the generated document `n` times and returns a checksum of every value and the
/// document's length (0 when `n <= 0`); a malformed document (never produced) returns -1.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn json(n: i32) -> i64 {
    let mut buf = [0u8; DOC_CAP];
    let len = write_document(&mut buf);
    let doc = &buf[..len];
    let mut sum = len as u64;
    for round in 0..n.max(0) {
        let mut parser = Parser { doc, pos: 0, sum: round as u64 };
        if parser.document().is_none() {
            return -1;
        }
        sum = sum.rotate_left(5) ^ parser.sum;
    }
    sum as i64
}

/// Appends bytes to a fixed buffer, dropping what does not fit (the parser then rejects it).
struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn bytes(&mut self, s: &[u8]) {
        for &b in s {
            if self.len < self.buf.len() {
                self.buf[self.len] = b;
                self.len += 1;
            }
        }
    }

    fn int(&mut self, v: i64) {
        if v < 0 {
            self.bytes(b"-");
        }
        let mut digits = [0u8; 20];
        let mut m = v.unsigned_abs();
        let mut k = digits.len();
        loop {
            k -= 1;
            digits[k] = b'0' + (m % 10) as u8;
            m /= 10;
            if m == 0 {
                break;
            }
        }
        self.bytes(&digits[k..]);
    }
}

/// Writes `[{"id":…,"name":"…","balance":…,"ratio":…,"active":…,"tags":[…],"meta":{…}}, …]`
/// with [`JSON_RECORDS`] records into `buf` and returns its length.
fn write_document(buf: &mut [u8]) -> usize {
    let mut w = Writer { buf, len: 0 };
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    w.bytes(b"[\n");
    for i in 0..JSON_RECORDS {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        if i > 0 {
            w.bytes(b",\n");
        }
        w.bytes(b"  {\"id\": ");
        w.int(i as i64 * 7919);
        w.bytes(b", \"name\": \"acct-");
        w.int((rng % 100_000) as i64);
        if rng & 4 != 0 {
            w.bytes(b" \\\"vip\\\"");
        }
        w.bytes(b"\", \"balance\": ");
        w.int((rng >> 20) as i64 % 2_000_000 - 1_000_000);
        w.bytes(b", \"ratio\": ");
        w.int((rng >> 40) as i64 % 100);
        w.bytes(b".");
        w.int((rng >> 8) as i64 % 1000);
        w.bytes(b"e-2, \"active\": ");
        w.bytes(if rng & 1 != 0 { b"true" } else { b"false" });
        w.bytes(b", \"tags\": [");
        for t in 0..(rng >> 60) % 4 {
            if t > 0 {
                w.bytes(b", ");
            }
            w.bytes(b"\"t");
            w.int(t as i64);
            w.bytes(b"\"");
        }
        w.bytes(b"], \"meta\": {\"owner\": null, \"level\": ");
        w.int((rng >> 32) as i64 % 7);
        w.bytes(b"}}");
    }
    w.bytes(b"\n]\n");
    w.len
}

/// Nesting deeper than this is rejected (the document nests three levels).
const MAX_DEPTH: u32 = 16;

/// A validating parser over one document; `sum` folds in every value it reads.
struct Parser<'a> {
    doc: &'a [u8],
    pos: usize,
    sum: u64,
}

impl Parser<'_> {
    fn document(&mut self) -> Option<()> {
        self.value(0)?;
        self.skip_ws();
        (self.pos == self.doc.len()).then_some(())
    }

    fn peek(&self) -> Option<u8> {
        self.doc.get(self.pos).copied()
    }

    fn fold(&mut self, v: u64) {
        self.sum = (self.sum ^ v).wrapping_mul(0x0000_0100_0000_01B3);
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        self.skip_ws();
        if self.peek()? != b {
            return None;
        }
        self.pos += 1;
        Some(())
    }

    fn value(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string(),
            b't' => self.literal(b"true", 1),
            b'f' => self.literal(b"false", 2),
            b'n' => self.literal(b"null", 3),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn object(&mut self, depth: u32) -> Option<()> {
        self.pos += 1;
        self.skip_ws();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(());
        }
        loop {
            self.skip_ws();
            self.string()?;
            self.expect(b':')?;
            self.value(depth + 1)?;
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: u32) -> Option<()> {
        self.pos += 1;
        self.skip_ws();
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(());
        }
        let mut count = 0u64;
        loop {
            self.value(depth + 1)?;
            count += 1;
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    self.fold(count);
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn string(&mut self) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        let mut hash = 0u64;
        loop {
            let b = self.peek()?;
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let e = self.peek()?;
                    self.pos += 1;
                    let c = match e {
                        b'"' | b'\\' | b'/' => e,
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        _ => return None,
                    };
                    hash = hash.wrapping_mul(31).wrapping_add(c as u64);
                }
                0..=0x1f => return None,
                _ => hash = hash.wrapping_mul(31).wrapping_add(b as u64),
            }
        }
        self.fold(hash);
        Some(())
    }

    fn literal(&mut self, word: &[u8], tag: u64) -> Option<()> {
        let end = self.pos + word.len();
        if self.doc.get(self.pos..end)? != word {
            return None;
        }
        self.pos = end;
        self.fold(tag);
        Some(())
    }

    fn digits(&mut self) -> Option<u64> {
        let start = self.pos;
        let mut v = 0u64;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            v = v.wrapping_mul(10).wrapping_add((d - b'0') as u64);
            self.pos += 1;
        }
        (self.pos > start).then_some(v)
    }

    fn number(&mut self) -> Option<()> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let mut v = self.digits()?;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            v = v.wrapping_mul(1000).wrapping_add(self.digits()?);
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            v ^= self.digits()? << 48;
        }
        self.fold(if negative { v.wrapping_neg() } else { v });
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_fits_and_parses() {
        let mut buf = [0u8; DOC_CAP];
        let len = write_document(&mut buf);
        assert!(len < DOC_CAP - 256, "document of {len} bytes nearly fills the buffer");
        let mut parser = Parser { doc: &buf[..len], pos: 0, sum: 0 };
        assert_eq!(parser.document(), Some(()));
        assert_ne!(json(3), -1);
        assert_ne!(json(3), json(2));
    }

    #[test]
    fn malformed_documents_are_rejected() {
        for bad in [&b"[1,]"[..], b"{\"a\" 1}", b"\"\\x\"", b"[tru]", b"-", b"[1] x", b"{\"a\":1"] {
            let mut parser = Parser { doc: bad, pos: 0, sum: 0 };
            assert_eq!(parser.document(), None, "{}", String::from_utf8_lossy(bad));
        }
        let mut parser = Parser { doc: b" {\"a\": [1.5e-2, -3, \"x\\n\", true, null, {}]} ", pos: 0, sum: 0 };
        assert_eq!(parser.document(), Some(()));
    }
}
