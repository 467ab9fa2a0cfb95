//! Signed remote entries, as Turborepo signs its remote cache's artifacts: with a secret from
//! `XTASK_CACHE_REMOTE_KEY`, every entry stored carries an HMAC-SHA256 of the key it answers,
//! the entry and its log's digest, and every entry read must carry a valid one. Whoever can
//! write to the store but lacks the secret can then no longer make a gate pass.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The variable holding the secret.
pub(crate) const ENV_KEY: &str = "XTASK_CACHE_REMOTE_KEY";

/// The signing secret.
#[derive(Clone)]
pub(crate) struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// The secret from the environment's value, when it is set and not empty.
    pub(crate) fn from_env(value: Option<String>) -> Option<Secret> {
        value
            .filter(|v| !v.is_empty())
            .map(|v| Secret(v.into_bytes()))
    }

    /// The signature of `parts`, in hex.
    pub(crate) fn sign(&self, parts: &[&[u8]]) -> String {
        let mut mac = self.mac();
        feed(&mut mac, parts);
        repo::text::hex(&mac.finalize().into_bytes())
    }

    /// Whether `signature` (hex) is the signature of `parts`; compared in constant time.
    pub(crate) fn verify(&self, parts: &[&[u8]], signature: &str) -> bool {
        let Some(bytes) = unhex(signature) else {
            return false;
        };
        let mut mac = self.mac();
        feed(&mut mac, parts);
        mac.verify_slice(&bytes).is_ok()
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length")
    }
}

/// Each part with its length first, so that no two lists of parts feed the same bytes.
fn feed(mac: &mut Hmac<Sha256>, parts: &[&[u8]]) {
    for part in parts {
        mac.update(&(part.len() as u64).to_le_bytes());
        mac.update(part);
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_only_the_same_parts_with_the_same_secret() {
        let secret = Secret::from_env(Some("s3cret".into())).unwrap();
        let sig = secret.sign(&[b"key", b"entry"]);
        assert_eq!(sig.len(), 64);
        assert!(secret.verify(&[b"key", b"entry"], &sig));
        assert!(!secret.verify(&[b"key", b"entrx"], &sig));
        // Moving bytes between parts changes the signature.
        assert!(!secret.verify(&[b"keye", b"ntry"], &sig));
        let other = Secret::from_env(Some("other".into())).unwrap();
        assert!(!other.verify(&[b"key", b"entry"], &sig));
        assert!(!secret.verify(&[b"key", b"entry"], "zz"));
        assert!(!secret.verify(&[b"key", b"entry"], ""));
        assert!(Secret::from_env(Some(String::new())).is_none());
        assert!(!format!("{secret:?}").contains("s3cret"));
    }
}
