//! cmdbgen: a deterministic, streaming generator of large CMDB graphs in the
//! exact input format of `neo4j-admin database import`.
//!
//! Architecture (pure modules first, I/O after):
//! * [`model`]: the one table of node kinds, relationship families, columns.
//! * [`profile`]: TOML profiles, validated and resolved.
//! * [`profile_file`]: a profile by name or path (the one place a file is read).
//! * [`rng`], [`gen`]: pure generation; row `i` of a table is a function of
//!   (seed, table, i), and relationship ends are computed, never looked up.
//! * [`plan`]: exact counts and shard ranges, known before writing.
//! * [`format`](mod@format): the output format as plain data (extension, compression).
//! * [`write`](mod@write): format writers, header files, atomic hashed shard files.
//! * [`estimate`]: capacity planning (rows, bytes, store, memory, time).
//! * [`merge`]: how several sources' reports of one record become one (pure).
//! * [`ingest`]: real exports, mapped and merged into a bundle (`ingest`).
//! * [`manifest`], [`runner`]: the resumable run and its manifest.
//! * [`schema`]: the constraints and indexes written as `schema.cypher`.
//! * [`gather`]: the parts of a distributed run (`--part i/n`) -> one bundle.
//! * [`history`]: the per-customer metrics history (`cmdbgen report`) and its summary.
//! * [`bundle_file`]: the one path rule and safe opening of bundle files.
//! * [`bundle_read`]: reading a bundle's CSV files as neo4j-admin does (`apply`).
//! * [`validate`]: checks a bundle against the import spec without Neo4j.
//! * [`changes`]: day-N change sets against a base, as pure data.
//! * [`online`]: applying bundles and change sets over Bolt (`apply`).
//! * `cli` (private): one file per subcommand; the binary calls [`run_cli`].
//!
//! ```
//! use cmdbgen::{gen::World, model::{NodeKind, Table}, profile::Profile, write};
//! let world = World::new(&Profile::load("tiny").unwrap());
//! let csv = write::render_csv(&world, Table::Node(NodeKind::Region), 0..1);
//! assert!(String::from_utf8(csv).unwrap().starts_with("reg-000000000,ConfigurationItem;Region,US East,"));
//! ```

pub mod bench;
pub mod bundle;
pub mod bundle_file;
pub mod bundle_read;
mod cast;
pub mod changes;
mod cli;
pub mod error;
pub mod estimate;
pub mod format;
pub mod gather;
pub mod gen;
pub mod history;
pub mod ingest;
pub mod manifest;
pub mod merge;
pub mod model;
pub mod model_doc;
pub mod online;
pub mod plan;
pub mod profile;
pub mod profile_file;
pub mod progress;
pub mod rng;
pub mod runner;
pub mod schema;
pub mod validate;
pub mod write;

/// Parses the command line, runs the subcommand and returns the exit code:
/// everything the `cmdbgen` binary does. The command-line module itself is
/// not library API.
pub fn run_cli() -> std::process::ExitCode {
    cli::main()
}
