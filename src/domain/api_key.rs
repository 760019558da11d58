//! API keys: `pw_live_` + 32 base62 characters (190 bits), shown once, stored
//! as their SHA-256.

use super::ids::{random_base62, sha256_hex};

pub const KEY_PREFIX: &str = "pw_live_";
const SECRET_CHARS: usize = 32;
/// How much of a key the list shows, so a user can tell keys apart.
const SHOWN_CHARS: usize = KEY_PREFIX.len() + 4;
/// Active keys an organization may hold at once.
pub const MAX_ACTIVE_KEYS: i64 = 25;

pub fn generate() -> String {
    format!("{KEY_PREFIX}{}", random_base62(SECRET_CHARS))
}

/// Whether a bearer credential is an API key rather than a JWT.
pub fn looks_like_key(credential: &str) -> bool {
    credential.starts_with(KEY_PREFIX)
}

pub fn hash(key: &str) -> String {
    sha256_hex(key)
}

pub fn shown_prefix(key: &str) -> String {
    key.chars().take(SHOWN_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_the_documented_shape() {
        let key = generate();
        assert_eq!(key.len(), KEY_PREFIX.len() + 32);
        assert!(looks_like_key(&key));
        assert!(key[KEY_PREFIX.len()..].bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(generate(), key);
        assert_eq!(shown_prefix(&key), key[..12]);
    }

    #[test]
    fn hash_is_hex_sha256() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
