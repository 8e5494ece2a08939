//! Secrets the Identity Server hands out once and keeps only as hashes: passwords, API key
//! secrets, gateway tokens and OAuth client secrets.
//!
//! - Passwords are low-entropy and guessable: argon2id with the crate's default (OWASP) cost.
//! - API key secrets, gateway tokens and client secrets are 256-bit random values: nobody can
//!   guess one, so a slow, memory-hard hash buys nothing and would cost tens of milliseconds on
//!   every request. A fast preimage-resistant hash with a constant-time compare is what they need
//!   (SHA-256 would do). The store's model insists on argon2 PHC strings for every secret hash
//!   (`store::model::check_argon2`), so these use argon2id at its minimum cost (m = 8 KiB,
//!   t = 1, p = 1): a few microseconds, still one-way, compared in constant time by
//!   `password-hash`.

use super::error::{IdentityError, IdentityResult};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore};

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 8;
/// Longest password accepted (bounds hashing work per request).
pub const MAX_PASSWORD: usize = 1024;

fn slow() -> Argon2<'static> {
    Argon2::default()
}

fn fast() -> Argon2<'static> {
    let params = Params::new(Params::MIN_M_COST, Params::MIN_T_COST, 1, None)
        .unwrap_or_else(|_| Params::default());
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_with(a: &Argon2<'_>, secret: &[u8]) -> IdentityResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    a.hash_password(secret, &salt)
        .map(|h| h.to_string())
        .map_err(|e| IdentityError::Internal(format!("hashing: {e}")))
}

fn verify_with(a: &Argon2<'_>, secret: &[u8], phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| a.verify_password(secret, &h).is_ok())
}

/// Checks a password's length and hashes it with argon2id (default cost).
pub fn hash_password(password: &str) -> IdentityResult<String> {
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&password.len()) {
        return Err(IdentityError::invalid(
            "password",
            format!("length must be {MIN_PASSWORD}..={MAX_PASSWORD} bytes"),
        ));
    }
    hash_with(&slow(), password.as_bytes())
}

/// Whether `password` matches the stored hash (constant-time compare).
pub fn verify_password(password: &str, phc: &str) -> bool {
    password.len() <= MAX_PASSWORD && verify_with(&slow(), password.as_bytes(), phc)
}

/// Hashes a high-entropy token (see the module doc for the cost chosen).
pub fn hash_token(token: &str) -> IdentityResult<String> {
    hash_with(&fast(), token.as_bytes())
}

/// Whether `token` matches the stored hash (constant-time compare). The cost parameters come
/// from the PHC string, so hashes made at another cost still verify.
pub fn verify_token(token: &str, phc: &str) -> bool {
    token.len() <= MAX_PASSWORD && verify_with(&fast(), token.as_bytes(), phc)
}

/// `n` random bytes from the OS, as unpadded base64url text.
pub fn random_token(n: usize) -> String {
    let mut b = vec![0u8; n];
    OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(&b)
}

/// `n` random bytes from the OS, as lowercase hex (fits the id rule when 1 ≤ n ≤ 18).
pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    OsRng.fill_bytes(&mut b);
    hex::encode(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip_and_rules() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(!h.contains("correct"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horsf", &h));
        assert!(hash_password("short").is_err());
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn token_round_trip_at_minimum_cost() {
        let t = random_token(32);
        assert_eq!(t.len(), 43);
        let h = hash_token(&t).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{h}");
        assert!(verify_token(&t, &h));
        assert!(!verify_token(&random_token(32), &h));
        // A password-cost hash still verifies through the token path (cost is in the PHC).
        let slow = hash_password("some long password").unwrap();
        assert!(verify_token("some long password", &slow));
        assert_ne!(random_hex(12), random_hex(12));
    }
}
