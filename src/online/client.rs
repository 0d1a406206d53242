//! The Bolt client: the `neo4j` crate's blocking driver (Bolt 4.4 and 5.x),
//! one explicit transaction per batch, and the error classes that decide
//! between retrying and stopping.

// The driver's closures must return its own (large) error type.
#![allow(clippy::result_large_err)]

use neo4j::driver::auth::AuthToken;
use neo4j::driver::{ConnectionConfig, Driver, DriverConfig};
use neo4j::session::SessionConfig;
use neo4j::{Neo4jError, ValueReceive, ValueSend};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How to handle an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// `Neo.TransientError.*`, a lost or refused connection, a pool timeout:
    /// retry (every write is idempotent, so even a commit whose outcome is
    /// unknown may be sent again).
    Transient,
    /// Anything else, e.g. `Neo.ClientError.Schema.ConstraintValidationFailed`
    /// or a syntax error: stop.
    Fatal,
}

/// A failed statement, reduced to what `apply` needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbError {
    /// Retry or stop.
    pub class: Class,
    /// The server's status code, if the server sent one.
    pub code: Option<String>,
    /// `code: message` for server errors, the driver's text otherwise.
    pub text: String,
}

impl From<Neo4jError> for DbError {
    fn from(e: Neo4jError) -> Self {
        DbError {
            class: classify(&e),
            code: code(&e).map(String::from),
            text: describe(&e),
        }
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The class of an error.
pub fn classify(e: &Neo4jError) -> Class {
    match e {
        Neo4jError::Disconnect { .. } | Neo4jError::Timeout { .. } => Class::Transient,
        Neo4jError::ServerError { error, .. }
            if error.code().starts_with("Neo.TransientError.") =>
        {
            Class::Transient
        }
        e if e.is_retryable() => Class::Transient,
        _ => Class::Fatal,
    }
}

/// The server's status code, if the server sent one.
pub fn code(e: &Neo4jError) -> Option<&str> {
    match e {
        Neo4jError::ServerError { error, .. } => Some(error.code()),
        _ => None,
    }
}

/// A one-line description: `code: message` for server errors.
pub fn describe(e: &Neo4jError) -> String {
    match e {
        Neo4jError::ServerError { error, .. } => format!("{}: {}", error.code(), error.message()),
        e => e.to_string(),
    }
}

/// A connection to one database.
pub struct Client {
    driver: Driver,
    database: Option<Arc<String>>,
}

/// What `connect` needs.
#[derive(Clone, Debug)]
pub struct Target {
    /// `bolt://host:port` (direct) or `neo4j://host:port` (routing), with
    /// `+s`/`+ssc` for TLS.
    pub uri: String,
    /// User name.
    pub user: String,
    /// Password.
    pub password: String,
    /// Database name; `None` for the user's home database.
    pub database: Option<String>,
}

/// The URI schemes the driver accepts, each named once in messages (the
/// driver's own message lists `neo4j` twice).
const SCHEMES: [&str; 6] = [
    "bolt",
    "bolt+s",
    "bolt+ssc",
    "neo4j",
    "neo4j+s",
    "neo4j+ssc",
];

/// Checks `uri`'s scheme before the driver parses it.
fn check_scheme(uri: &str) -> Result<(), String> {
    let Some((scheme, _)) = uri.split_once("://") else {
        return Err(format!(
            "--uri {uri}: no scheme; write it like bolt://host:7687 ({})",
            SCHEMES.join(", ")
        ));
    };
    if SCHEMES.contains(&scheme) {
        Ok(())
    } else {
        Err(format!(
            "--uri {uri}: unknown scheme '{scheme}'; use one of {}",
            SCHEMES.join(", ")
        ))
    }
}

impl Client {
    /// A client for `target`; connections are opened on first use, and a
    /// lost one is replaced by the driver's pool on the next transaction.
    pub fn new(target: &Target) -> Result<Client, String> {
        check_scheme(&target.uri)?;
        let config: ConnectionConfig = target
            .uri
            .parse()
            .map_err(|e| format!("--uri {}: {e}", target.uri))?;
        let auth = AuthToken::new_basic_auth(target.user.clone(), target.password.clone());
        let driver = Driver::new(
            config,
            DriverConfig::new()
                .with_auth(Arc::new(auth))
                .with_user_agent(format!("cmdbgen/{}", env!("CARGO_PKG_VERSION")))
                .with_connection_timeout(Duration::from_secs(10))
                .with_connection_acquisition_timeout(Duration::from_secs(60)),
        );
        Ok(Client {
            driver,
            database: target.database.clone().map(Arc::new),
        })
    }

    /// Opens a connection (and authenticates): `Ok` when the server is
    /// there and accepts the credentials.
    pub fn verify(&self) -> Result<(), DbError> {
        Ok(self.driver.verify_connectivity()?)
    }

    fn session(&self) -> neo4j::session::Session<'_> {
        let config = match &self.database {
            Some(db) => SessionConfig::new().with_database(db.clone()),
            None => SessionConfig::new(),
        };
        self.driver.session(config)
    }

    /// Runs `query` in one write transaction and commits it; returns the
    /// `rows` column of its single result row (0 when there is none).
    pub fn write(&self, query: &str, params: &HashMap<String, ValueSend>) -> Result<i64, DbError> {
        let mut session = self.session();
        Ok(session.transaction().run(|tx| {
            let mut stream = tx.query(query).with_parameters(params).run()?;
            let rows = stream
                .try_as_eager_result()?
                .and_then(|r| r.records.into_iter().next())
                .and_then(|rec| match rec.value("rows") {
                    Some(ValueReceive::Integer(n)) => Some(*n),
                    _ => None,
                })
                .unwrap_or(0);
            stream.consume()?;
            tx.commit()?;
            Ok(rows)
        })?)
    }

    /// Runs `query` in a transaction that is rolled back: `Ok` if the
    /// statement succeeds (used to find an offending row).
    pub fn trial(&self, query: &str, params: &HashMap<String, ValueSend>) -> Result<(), DbError> {
        let mut session = self.session();
        Ok(session.transaction().run(|tx| {
            let stream = tx.query(query).with_parameters(params).run()?;
            stream.consume()?;
            tx.rollback()
        })?)
    }

    /// Runs a schema statement in its own auto-commit transaction.
    pub fn schema(&self, query: &str) -> Result<(), DbError> {
        let mut session = self.session();
        session.auto_commit(query).run()?;
        Ok(())
    }

    /// The server's JVM heap `(used, max)` in bytes, from
    /// [`super::cypher::HEAP`]; `Ok(None)` when the answer has another shape.
    pub fn heap(&self) -> Result<Option<(i64, i64)>, DbError> {
        let mut session = self.session();
        // Routed like the writes: it is the writer's heap that matters.
        let result = session.auto_commit(super::cypher::HEAP).run()?;
        let num = |v: Option<&ValueReceive>| match v {
            Some(ValueReceive::Integer(n)) => Some(*n),
            #[allow(
                clippy::cast_possible_truncation,
                reason = "a byte count reported as a float; saturating is fine"
            )]
            Some(ValueReceive::Float(f)) => Some(*f as i64),
            _ => None,
        };
        Ok(result.records.first().and_then(|r| {
            let used = num(r.value("used"))?;
            let max = num(r.value("max"))?;
            (max > 0).then_some((used, max))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_named_once() {
        assert!(check_scheme("bolt://127.0.0.1:7687").is_ok());
        assert!(check_scheme("neo4j+s://db.example:7687").is_ok());
        let e = check_scheme("http://x:1").unwrap_err();
        assert!(e.contains("unknown scheme 'http'"), "{e}");
        let listed: Vec<&str> = e
            .rsplit("use one of ")
            .next()
            .unwrap_or("")
            .split(", ")
            .collect();
        assert_eq!(listed, SCHEMES, "{e}");
        assert!(check_scheme("localhost:7687")
            .unwrap_err()
            .contains("no scheme"));
    }
}
