//! Validated identifiers, with the rule of The Things Stack's ids
//! (`^[a-z0-9](?:[-]?[a-z0-9]){2,35}$`, `pkg/ttnpb/identifiers.go` validation): 3 to 36
//! lowercase letters and digits, single hyphens only between them.
//!
//! An id is checked when built or deserialized, so a stored id is always valid and safe as a
//! key component (it never holds the separators the backends use).

use super::error::StoreError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Checks `s` against the TTS id rule.
pub fn validate_id(field: &'static str, s: &str) -> Result<(), StoreError> {
    let b = s.as_bytes();
    if !(3..=36).contains(&b.len()) {
        return Err(StoreError::invalid(
            field,
            format!("length {} not in 3..=36", b.len()),
        ));
    }
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut prev_hyphen = true; // forbids a leading hyphen
    for &c in b {
        match c {
            b'-' if !prev_hyphen => prev_hyphen = true,
            c if alnum(c) => prev_hyphen = false,
            _ => {
                return Err(StoreError::invalid(
                    field,
                    format!("{s:?} breaks [a-z0-9](?:-?[a-z0-9]){{2,35}}"),
                ));
            }
        }
    }
    if prev_hyphen {
        return Err(StoreError::invalid(
            field,
            format!("{s:?} ends with a hyphen"),
        ));
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps.
            pub fn new(s: impl Into<String>) -> Result<Self, StoreError> {
                let s = s.into();
                validate_id($field, &s)?;
                Ok(Self(s))
            }
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = StoreError;
            fn try_from(s: String) -> Result<Self, StoreError> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }
    };
}

id_type!(/// A user's id.
    UserId, "user_id");
id_type!(/// An organization's id.
    OrganizationId, "organization_id");
id_type!(/// An application's id.
    ApplicationId, "application_id");
id_type!(/// An end device's id, unique within its application.
    DeviceId, "device_id");
id_type!(/// A gateway's id.
    GatewayId, "gateway_id");
id_type!(/// An OAuth client's id.
    ClientId, "client_id");
id_type!(/// An API key's id (the public part of the key), unique across the network.
    ApiKeyId, "api_key_id");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_rule_by_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("shortest", "abc", true),
            ("digits", "123", true),
            ("hyphenated", "my-app-1", true),
            (
                "max length 36",
                "abcdefghijklmnopqrstuvwxyz0123456789",
                true,
            ),
            ("too short", "ab", false),
            (
                "too long 37",
                "abcdefghijklmnopqrstuvwxyz0123456789a",
                false,
            ),
            ("uppercase", "MyApp", false),
            ("leading hyphen", "-abc", false),
            ("trailing hyphen", "abc-", false),
            ("double hyphen", "a--bc", false),
            ("underscore", "a_bc", false),
            ("slash", "a/bc", false),
            ("nul", "ab\0c", false),
            ("non-ascii", "caf\u{e9}", false),
            ("empty", "", false),
        ];
        for (name, s, ok) in cases {
            assert_eq!(validate_id("id", s).is_ok(), *ok, "{name}: {s:?}");
            assert_eq!(DeviceId::new(*s).is_ok(), *ok, "{name}");
        }
    }

    #[test]
    fn deserializing_checks_the_rule() {
        assert!(serde_json::from_str::<GatewayId>("\"gw-1\"").is_ok());
        assert!(serde_json::from_str::<GatewayId>("\"GW 1\"").is_err());
    }
}
