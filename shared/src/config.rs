//! Configuration loading shared by every binary: one TOML file, then environment overrides, into a
//! typed struct whose `Default` holds the defaults (`#[serde(default)]`).
//!
//! An override `PREFIX__SECTION__KEY=value` sets `section.key`; the value is read as a TOML value
//! where it parses as one (`4`, `true`, `[1, 2]`) and as a string otherwise. The environment is
//! passed in, so loading is testable and never reads process state by itself.

use serde::de::DeserializeOwned;
use toml::{Table, Value};

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The TOML file did not parse.
    #[error("config file: {0}")]
    Toml(#[from] toml::de::Error),
    /// An override targets a key below a value that is not a table.
    #[error("environment override {0}: {1} is not a table")]
    NotATable(String, String),
}

/// Parses `file` (TOML text, if any), applies overrides from `env` whose names start with
/// `prefix` followed by `__`, and deserializes the result into `T`.
pub fn load<T: DeserializeOwned>(
    file: Option<&str>,
    prefix: &str,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<T, ConfigError> {
    let mut root: Table = match file {
        Some(text) => toml::from_str(text)?,
        None => Table::new(),
    };
    let head = format!("{prefix}__");
    let mut overrides: Vec<(String, String)> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with(&head))
        .collect();
    overrides.sort();
    for (key, raw) in overrides {
        let path: Vec<String> = key[head.len()..]
            .split("__")
            .map(str::to_ascii_lowercase)
            .collect();
        set(&mut root, &key, &path, parse_value(&raw))?;
    }
    Ok(Value::Table(root).try_into()?)
}

fn parse_value(raw: &str) -> Value {
    toml::from_str::<Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| Value::String(raw.to_owned()))
}

fn set(table: &mut Table, key: &str, path: &[String], value: Value) -> Result<(), ConfigError> {
    match path {
        [] => Ok(()),
        [last] => {
            table.insert(last.clone(), value);
            Ok(())
        }
        [first, rest @ ..] => {
            let entry = table
                .entry(first.clone())
                .or_insert_with(|| Value::Table(Table::new()));
            match entry {
                Value::Table(t) => set(t, key, rest, value),
                _ => Err(ConfigError::NotATable(key.to_owned(), first.clone())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(default)]
    struct Udp {
        bind: String,
        workers: usize,
    }
    impl Default for Udp {
        fn default() -> Self {
            Self {
                bind: "0.0.0.0:1700".into(),
                workers: 0,
            }
        }
    }
    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(default)]
    struct Cfg {
        udp: Udp,
        verbose: bool,
    }

    fn env(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn defaults_file_then_env() {
        let c: Cfg = load(None, "DP", env(&[])).unwrap();
        assert_eq!(c, Cfg::default());
        let c: Cfg = load(Some("[udp]\nworkers = 2\n"), "DP", env(&[])).unwrap();
        assert_eq!(
            c.udp,
            Udp {
                bind: "0.0.0.0:1700".into(),
                workers: 2
            }
        );
        let c: Cfg = load(
            Some("[udp]\nworkers = 2\n"),
            "DP",
            env(&[
                ("DP__UDP__WORKERS", "4"),
                ("DP__UDP__BIND", "127.0.0.1:1"),
                ("DP__VERBOSE", "true"),
                ("OTHER", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(
            c.udp,
            Udp {
                bind: "127.0.0.1:1".into(),
                workers: 4
            }
        );
        assert!(c.verbose);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(load::<Cfg>(Some("[udp"), "DP", env(&[])).is_err());
        assert!(load::<Cfg>(None, "DP", env(&[("DP__UDP__WORKERS", "many")])).is_err());
        assert!(matches!(
            load::<Cfg>(
                None,
                "DP",
                env(&[("DP__VERBOSE", "true"), ("DP__VERBOSE__X", "1")])
            ),
            Err(ConfigError::NotATable(..))
        ));
    }
}
