//! Prefixed random identifiers (`usr_…`, `org_…`, `mon_…`) and random base62 text.

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `len` characters drawn uniformly from base62 (5.95 bits each), by rejection
/// sampling so that no character is likelier than another.
pub fn random_base62(len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::getrandom(&mut buf).expect("the platform's random source is available");
        for &byte in &buf {
            // 248 = 4 × 62: bytes above it would favour the first characters.
            if byte < 248 && out.len() < len {
                out.push(BASE62[(byte % 62) as usize] as char);
            }
        }
    }
    out
}

/// The SHA-256 of a secret, as hex: how API keys and ping tokens are stored.
pub fn sha256_hex(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// How many random characters follow an identifier's prefix.
pub const ID_CHARS: usize = 20;

/// A new identifier such as `mon_7fK2…`: 20 base62 characters, 119 bits.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", random_base62(ID_CHARS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_differ() {
        let a = new_id("mon");
        let b = new_id("mon");
        assert!(a.starts_with("mon_") && a.len() == 24);
        assert_ne!(a, b);
        assert!(random_base62(100).bytes().all(|c| c.is_ascii_alphanumeric()));
    }
}
