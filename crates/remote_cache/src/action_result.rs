//! The action-cache value: a Bazel Remote Execution API `ActionResult` message (protobuf wire
//! format, the few fields qa uses), so that bazel-remote and BuildBuddy, which check what is
//! stored under `/ac/`, accept it. It names two content-addressed blobs: the output file
//! `entry.json` (the gate's cached result) and the `stdout_digest` (its log).
//!
//! ```text
//! ActionResult { repeated OutputFile output_files = 2; int32 exit_code = 4; Digest stdout_digest = 6; }
//! OutputFile   { string path = 1; Digest digest = 2; }
//! Digest       { string hash = 1; int64 size_bytes = 2; }
//! ```

use crate::Digest;

/// The output file naming the entry.
pub const ENTRY_PATH: &str = "entry.json";

/// What an action-cache value names: the entry blob and the log blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResult {
    pub entry: Digest,
    pub log: Digest,
}

impl ActionResult {
    /// The message's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut file = Vec::new();
        put_len(&mut file, 1, ENTRY_PATH.as_bytes());
        put_len(&mut file, 2, &encode_digest(&self.entry));
        let mut out = Vec::new();
        put_len(&mut out, 2, &file);
        put_len(&mut out, 6, &encode_digest(&self.log));
        out
    }

    /// Reads a message; `None` when it is malformed or names no entry or no log.
    pub fn decode(bytes: &[u8]) -> Option<ActionResult> {
        let mut entry = None;
        let mut log = None;
        for (field, value) in fields(bytes)? {
            match (field, value) {
                (2, Value::Len(file)) => {
                    let mut path = None;
                    let mut digest = None;
                    for (f, v) in fields(file)? {
                        match (f, v) {
                            (1, Value::Len(p)) => path = Some(p),
                            (2, Value::Len(d)) => digest = Some(decode_digest(d)?),
                            _ => {}
                        }
                    }
                    if path == Some(ENTRY_PATH.as_bytes()) {
                        entry = digest;
                    }
                }
                (4, Value::Varint(code)) if code != 0 => return None,
                (6, Value::Len(d)) => log = Some(decode_digest(d)?),
                _ => {}
            }
        }
        Some(ActionResult {
            entry: entry?,
            log: log?,
        })
    }
}

fn encode_digest(d: &Digest) -> Vec<u8> {
    let mut out = Vec::new();
    put_len(&mut out, 1, d.hash.as_bytes());
    put_varint(&mut out, 2 << 3);
    put_varint(&mut out, d.size);
    out
}

fn decode_digest(bytes: &[u8]) -> Option<Digest> {
    let mut hash = None;
    let mut size = 0;
    for (field, value) in fields(bytes)? {
        match (field, value) {
            (1, Value::Len(h)) => hash = Some(String::from_utf8(h.to_vec()).ok()?),
            (2, Value::Varint(s)) => size = s,
            _ => {}
        }
    }
    let hash = hash?;
    (hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then_some(Digest { hash, size })
}

fn put_len(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    put_varint(out, (field << 3) | 2);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

enum Value<'a> {
    Varint(u64),
    Len(&'a [u8]),
    Fixed,
}

/// Every field of a message, in order; `None` when the bytes are not a well-formed message.
fn fields(mut bytes: &[u8]) -> Option<Vec<(u64, Value<'_>)>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let tag = varint(&mut bytes)?;
        let value = match tag & 7 {
            0 => Value::Varint(varint(&mut bytes)?),
            1 => {
                bytes = bytes.get(8..)?;
                Value::Fixed
            }
            2 => {
                let len = usize::try_from(varint(&mut bytes)?).ok()?;
                let (v, rest) = (bytes.get(..len)?, bytes.get(len..)?);
                bytes = rest;
                Value::Len(v)
            }
            5 => {
                bytes = bytes.get(4..)?;
                Value::Fixed
            }
            _ => return None,
        };
        out.push((tag >> 3, value));
    }
    Some(out)
}

fn varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(c: char, size: u64) -> Digest {
        Digest {
            hash: c.to_string().repeat(64),
            size,
        }
    }

    #[test]
    fn round_trips() {
        let r = ActionResult {
            entry: digest('a', 300),
            log: digest('b', 0),
        };
        assert_eq!(ActionResult::decode(&r.encode()), Some(r));
    }

    #[test]
    fn known_bytes() {
        // Field 2 (len) { field 1 "entry.json", field 2 { field 1 hash, field 2 size 1 } }.
        let r = ActionResult {
            entry: digest('0', 1),
            log: digest('1', 2),
        };
        let bytes = r.encode();
        assert_eq!(&bytes[..4], &[0x12, 82, 0x0a, 10]);
        assert_eq!(&bytes[4..14], b"entry.json");
        assert_eq!(&bytes[14..18], &[0x12, 68, 0x0a, 64]);
    }

    #[test]
    fn malformed_or_incomplete_is_none() {
        let r = ActionResult {
            entry: digest('a', 3),
            log: digest('b', 4),
        };
        let bytes = r.encode();
        for cut in 0..bytes.len() {
            assert_eq!(ActionResult::decode(&bytes[..cut]), None, "cut at {cut}");
        }
        assert_eq!(ActionResult::decode(b"{\"json\": true}"), None);
        assert_eq!(ActionResult::decode(&[0xff; 20]), None);
        // A failed action is not a cached pass.
        let mut failed = bytes.clone();
        failed.extend([4 << 3, 1]);
        assert_eq!(ActionResult::decode(&failed), None);
        // Unknown fields are skipped.
        let mut extra = bytes;
        extra.extend([9 << 3 | 2, 2, 1, 2, 3 << 3, 7]);
        assert!(ActionResult::decode(&extra).is_some());
    }
}
