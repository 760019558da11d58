//! Password hashing: PBKDF2-HMAC-SHA256 through WebCrypto, which runs natively
//! in the runtime rather than in Wasm. 100,000 iterations is the most the
//! Workers runtime accepts for PBKDF2. Stored as
//! `pbkdf2_sha256$<iterations>$<salt>$<hash>` (base64), so the count can rise later.

use base64::{engine::general_purpose::STANDARD_NO_PAD as B64, Engine};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, Pbkdf2Params, WorkerGlobalScope};

const ITERATIONS: u32 = 100_000;
const SCHEME: &str = "pbkdf2_sha256";

async fn derive(password: &str, salt: &[u8], iterations: u32) -> Result<Vec<u8>, JsValue> {
    let subtle = js_sys::global()
        .unchecked_into::<WorkerGlobalScope>()
        .crypto()?
        .subtle();
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let key = JsFuture::from(subtle.import_key_with_str(
        "raw",
        &Uint8Array::from(password.as_bytes()),
        "PBKDF2",
        false,
        &usages,
    )?)
    .await?;
    let params = Pbkdf2Params::new(
        "PBKDF2",
        &JsValue::from_str("SHA-256"),
        iterations,
        &Uint8Array::from(salt),
    );
    let bits =
        JsFuture::from(subtle.derive_bits_with_object(&params, &key.unchecked_into::<CryptoKey>(), 256)?).await?;
    Ok(Uint8Array::new(&bits).to_vec())
}

pub async fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| e.to_string())?;
    let derived = derive(password, &salt, ITERATIONS)
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(format!(
        "{SCHEME}${ITERATIONS}${}${}",
        B64.encode(salt),
        B64.encode(derived)
    ))
}

/// Whether `password` matches `stored`. A malformed stored hash matches nothing.
pub async fn verify(password: &str, stored: &str) -> Result<bool, String> {
    let parts: Vec<&str> = stored.split('$').collect();
    let [SCHEME, iterations, salt, expected] = parts.as_slice() else {
        return Ok(false);
    };
    let (Ok(iterations), Ok(salt), Ok(expected)) = (iterations.parse::<u32>(), B64.decode(salt), B64.decode(expected))
    else {
        return Ok(false);
    };
    let derived = derive(password, &salt, iterations)
        .await
        .map_err(|e| format!("{e:?}"))?;
    // Compare every byte, so the time taken says nothing about where they differ.
    Ok(derived.len() == expected.len() && derived.iter().zip(&expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0)
}

/// Spends the time of a verification, so that an unknown email answers as
/// slowly as a wrong password and the two cannot be told apart.
pub async fn verify_nothing(password: &str) {
    let _ = derive(password, b"pingwarden-dummy", ITERATIONS).await;
}
