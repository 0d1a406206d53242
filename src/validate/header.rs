//! Header cells, parsed by the grammar of the import spec
//! (../shared/neo4j-import-spec.md §1.2–1.4): `[name][:type][(group)][{options}]`.
//!
//! This is an implementation of the spec written independently of
//! `crate::model` (which *writes* the headers): the validator checks the
//! generator, so it must not share its code.

use std::collections::HashSet;
use std::fmt;

/// A scalar property type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    /// `string`.
    String,
    /// `int` (32-bit).
    Int,
    /// `long` (64-bit).
    Long,
    /// `short` (16-bit).
    Short,
    /// `byte` (8-bit).
    Byte,
    /// `float`.
    Float,
    /// `double`.
    Double,
    /// `boolean`.
    Boolean,
    /// `char`.
    Char,
    /// `point`.
    Point,
    /// `date`.
    Date,
    /// `localtime`.
    LocalTime,
    /// `time`.
    Time,
    /// `localdatetime`.
    LocalDateTime,
    /// `datetime`.
    DateTime,
    /// `duration`.
    Duration,
}

impl Scalar {
    const NAMES: [(&'static str, Scalar); 16] = [
        ("string", Scalar::String),
        ("int", Scalar::Int),
        ("long", Scalar::Long),
        ("short", Scalar::Short),
        ("byte", Scalar::Byte),
        ("float", Scalar::Float),
        ("double", Scalar::Double),
        ("boolean", Scalar::Boolean),
        ("char", Scalar::Char),
        ("point", Scalar::Point),
        ("date", Scalar::Date),
        ("localtime", Scalar::LocalTime),
        ("time", Scalar::Time),
        ("localdatetime", Scalar::LocalDateTime),
        ("datetime", Scalar::DateTime),
        ("duration", Scalar::Duration),
    ];

    /// Whether the type is temporal: neo4j-admin before 5.6 cannot read an
    /// empty field of it.
    pub fn is_temporal(self) -> bool {
        matches!(
            self,
            Scalar::Date
                | Scalar::LocalTime
                | Scalar::Time
                | Scalar::LocalDateTime
                | Scalar::DateTime
                | Scalar::Duration
        )
    }

    /// Looks a type name up, ignoring case.
    fn from_name(s: &str) -> Option<Scalar> {
        Scalar::NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s))
            .map(|&(_, t)| t)
    }

    /// The lower-case type name.
    pub fn name(self) -> &'static str {
        Scalar::NAMES
            .iter()
            .find(|&&(_, t)| t == self)
            .map_or("?", |(n, _)| n)
    }
}

/// A property type: a scalar or an array of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PropType {
    /// The element type.
    pub scalar: Scalar,
    /// `<scalar>[]`.
    pub array: bool,
}

impl fmt::Display for PropType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scalar.name())?;
        if self.array {
            f.write_str("[]")?;
        }
        Ok(())
    }
}

/// What a column is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `:ID`.
    Id,
    /// `:LABEL`.
    Label,
    /// `:START_ID`.
    StartId,
    /// `:END_ID`.
    EndId,
    /// `:TYPE`.
    Type,
    /// An ignored column (empty cell or `:IGNORE`).
    Ignore,
    /// A property.
    Prop(PropType),
}

/// How the values of an ID group compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdType {
    /// As strings (`--id-type=string`, the default).
    String,
    /// As 64-bit integers (`--id-type=integer` or `{id-type:long}` ...).
    Integer,
}

/// One parsed header cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The name (`None` when empty).
    pub name: Option<String>,
    /// The column's kind.
    pub kind: Kind,
    /// The ID group in parentheses, if any (`None` = the global ID space).
    pub group: Option<String>,
    /// `{key:value, ...}` options, in order.
    pub options: Vec<(String, String)>,
}

impl Entry {
    fn ignored() -> Entry {
        Entry {
            name: None,
            kind: Kind::Ignore,
            group: None,
            options: Vec::new(),
        }
    }

    /// The value of option `key`, if given.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Displays an ID group: `'Server'` or `the global ID space`.
pub fn group_name(g: &Option<String>) -> String {
    match g {
        Some(g) => format!("'{g}'"),
        None => "the global ID space".to_string(),
    }
}

/// Parses an options map body (between the braces): `key:value, key:'v'`.
fn parse_options(body: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut cur = String::new();
    for c in body.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                cur.push(c);
            }
            Some(_) => cur.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                cur.push(c);
            }
            None if c == ',' => parts.push(std::mem::take(&mut cur)),
            None => cur.push(c),
        }
    }
    if quote.is_some() {
        return Err(format!("unterminated quote in options {{{body}}}"));
    }
    parts.push(cur);
    if parts.len() == 1 && parts[0].trim().is_empty() {
        return Ok(out);
    }
    for p in parts {
        let Some((k, v)) = p.split_once(':') else {
            return Err(format!("option '{}' is not key:value", p.trim()));
        };
        let k = k.trim();
        let v = v.trim();
        if k.is_empty() {
            return Err(format!("option '{}' has no key", p.trim()));
        }
        let v = match (v.chars().next(), v.chars().last()) {
            (Some(a), Some(b)) if v.len() >= 2 && a == b && (a == '\'' || a == '"') => {
                &v[1..v.len() - 1]
            }
            _ => v,
        };
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

/// Parses one header cell (spec §1.2).
pub fn parse_entry(cell: &str) -> Result<Entry, String> {
    if cell.is_empty() {
        return Ok(Entry::ignored());
    }
    let mut rest = cell.to_string();
    let mut options = Vec::new();
    if let Some(open) = rest.find('{') {
        let close = match rest.rfind('}') {
            Some(c) if c > open => c,
            _ => return Err(format!("'{cell}': '{{' without a closing '}}'")),
        };
        options = parse_options(&rest[open + 1..close]).map_err(|e| format!("'{cell}': {e}"))?;
        rest = format!("{}{}", &rest[..open], &rest[close + 1..]);
    }
    let mut group = None;
    if let Some(open) = rest.find('(') {
        let close = match rest.rfind(')') {
            Some(c) if c > open => c,
            _ => return Err(format!("'{cell}': '(' without a closing ')'")),
        };
        let g = &rest[open + 1..close];
        if g.is_empty() {
            return Err(format!("'{cell}': empty ID group name '()'"));
        }
        group = Some(g.to_string());
        rest = format!("{}{}", &rest[..open], &rest[close + 1..]);
    }
    let (name, ty) = match rest.rfind(':') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest.as_str(), None),
    };
    let name = (!name.is_empty()).then(|| name.to_string());
    let kind = match ty {
        None => Kind::Prop(PropType {
            scalar: Scalar::String,
            array: false,
        }),
        Some(t) => kind_of(t).map_err(|e| format!("'{cell}': {e}"))?,
    };
    if matches!(kind, Kind::Prop(_)) && name.is_none() {
        return Err(format!("'{cell}': a property needs a name"));
    }
    Ok(Entry {
        name,
        kind,
        group,
        options,
    })
}

/// The kind named by the text after the last `:`.
fn kind_of(t: &str) -> Result<Kind, String> {
    if t.is_empty() {
        return Err("empty type after ':'".to_string());
    }
    if t == "IGNORE" {
        return Ok(Kind::Ignore);
    }
    if t.eq_ignore_ascii_case("IGNORE") {
        return Err(format!(
            "unexpected header type '{t}' (IGNORE is case-sensitive: write IGNORE)"
        ));
    }
    for (n, k) in [
        ("ID", Kind::Id),
        ("LABEL", Kind::Label),
        ("START_ID", Kind::StartId),
        ("END_ID", Kind::EndId),
        ("TYPE", Kind::Type),
    ] {
        if t.eq_ignore_ascii_case(n) {
            return Ok(k);
        }
    }
    let (base, array) = match t.strip_suffix("[]") {
        Some(b) => (b, true),
        None => (t, false),
    };
    if base.eq_ignore_ascii_case("vector") {
        return Err(format!(
            "property type '{t}' needs Neo4j 2025.10 or later (unknown to Neo4j 5.x)"
        ));
    }
    match Scalar::from_name(base) {
        Some(scalar) => Ok(Kind::Prop(PropType { scalar, array })),
        None => Err(format!("unknown property type '{t}'")),
    }
}

/// Whether a header belongs to a node or a relationship source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `--nodes`.
    Node,
    /// `--relationships`.
    Relationship,
}

/// A parsed header: one entry per cell. Cells that failed to parse are kept
/// as ignored columns so that the data can still be checked column by column.
#[derive(Clone, Debug, Default)]
pub struct Header {
    /// The entries, in column order.
    pub entries: Vec<Entry>,
    /// The ID group of the `:ID` column(s) of a node header.
    pub id_group: Option<Option<String>>,
    /// How IDs of that group compare.
    pub id_type: Option<IdType>,
    /// The group of `:START_ID`.
    pub start_group: Option<Option<String>>,
    /// The group of `:END_ID`.
    pub end_group: Option<Option<String>>,
}

/// Parses `--id-type`-style values.
pub fn parse_id_type(v: &str) -> Option<IdType> {
    match v.to_ascii_lowercase().as_str() {
        "string" => Some(IdType::String),
        "integer" | "long" | "int" | "short" | "byte" | "actual" => Some(IdType::Integer),
        _ => None,
    }
}

/// Parses and checks a header row for a source of `kind` (spec §1.3/§1.4).
/// `default_id_type` is the import's `--id-type`. Returns the header and the
/// problems found (each a message).
pub fn parse_header(
    cells: &[String],
    kind: FileKind,
    default_id_type: IdType,
) -> (Header, Vec<String>) {
    let mut h = Header::default();
    let mut errors = Vec::new();
    for cell in cells {
        match parse_entry(cell) {
            Ok(e) => h.entries.push(e),
            Err(msg) => {
                errors.push(msg);
                h.entries.push(Entry::ignored());
            }
        }
    }
    let mut names: HashSet<&str> = HashSet::new();
    let seen = |k: Kind, errors: &mut Vec<String>, what: &str| {
        let n = h.entries.iter().filter(|e| e.kind == k).count();
        if n > 1 {
            errors.push(format!("{what} appears {n} times (at most once)"));
        }
        n
    };
    match kind {
        FileKind::Node => {
            for e in &h.entries {
                if matches!(e.kind, Kind::StartId | Kind::EndId | Kind::Type) {
                    errors.push(format!(
                        "unexpected node header type {} (allowed: ID, LABEL, IGNORE, properties)",
                        kind_name(e.kind)
                    ));
                }
            }
        }
        FileKind::Relationship => {
            for e in &h.entries {
                if matches!(e.kind, Kind::Id | Kind::Label) {
                    errors.push(format!(
                        "unexpected relationship header type {} (allowed: START_ID, END_ID, TYPE, IGNORE, properties)",
                        kind_name(e.kind)
                    ));
                }
            }
            for (k, what) in [(Kind::StartId, "START_ID"), (Kind::EndId, "END_ID")] {
                if seen(k, &mut errors, what) == 0 {
                    errors.push(format!("missing header of type {what}"));
                }
            }
            seen(Kind::Type, &mut errors, "TYPE");
        }
    }
    // Stored names: properties and named :ID columns of node headers.
    for e in &h.entries {
        let stored = match e.kind {
            Kind::Prop(_) => true,
            Kind::Id => kind == FileKind::Node,
            _ => false,
        };
        if let (true, Some(n)) = (stored, &e.name) {
            if !names.insert(n) {
                errors.push(format!("duplicate property name '{n}'"));
            }
        }
        if e.group.is_some()
            && !matches!(
                e.kind,
                Kind::Id | Kind::StartId | Kind::EndId | Kind::Ignore
            )
        {
            errors.push(format!(
                "an ID group '({})' only belongs on ID, START_ID or END_ID",
                e.group.as_deref().unwrap_or_default()
            ));
        }
    }
    if kind == FileKind::Node {
        let ids: Vec<&Entry> = h.entries.iter().filter(|e| e.kind == Kind::Id).collect();
        if let Some(first) = ids.first() {
            if ids.iter().any(|e| e.group != first.group) {
                errors.push("composite :ID columns must all use the same ID group".to_string());
            }
            let mut id_type = default_id_type;
            for e in &ids {
                if let Some(v) = e.option("id-type") {
                    match parse_id_type(v) {
                        Some(t) => id_type = t,
                        None => errors.push(format!("unknown id-type '{v}'")),
                    }
                }
            }
            if ids.len() > 1 && id_type != IdType::String {
                errors.push("composite :ID columns need the string id-type".to_string());
            }
            h.id_group = Some(first.group.clone());
            h.id_type = Some(id_type);
        }
    } else {
        h.start_group = h
            .entries
            .iter()
            .find(|e| e.kind == Kind::StartId)
            .map(|e| e.group.clone());
        h.end_group = h
            .entries
            .iter()
            .find(|e| e.kind == Kind::EndId)
            .map(|e| e.group.clone());
    }
    (h, errors)
}

/// The upper-case name of a special kind.
fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Id => "ID",
        Kind::Label => "LABEL",
        Kind::StartId => "START_ID",
        Kind::EndId => "END_ID",
        Kind::Type => "TYPE",
        Kind::Ignore => "IGNORE",
        Kind::Prop(_) => "property",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(scalar: Scalar, array: bool) -> Kind {
        Kind::Prop(PropType { scalar, array })
    }

    fn entry(cell: &str) -> Entry {
        match parse_entry(cell) {
            Ok(e) => e,
            Err(m) => panic!("{cell}: {m}"),
        }
    }

    fn err(cell: &str) -> String {
        match parse_entry(cell) {
            Ok(e) => panic!("{cell} parsed as {e:?}"),
            Err(m) => m,
        }
    }

    #[test]
    fn spec_examples_parse() {
        let e = entry("id:ID(Server)");
        assert_eq!(e.name.as_deref(), Some("id"));
        assert_eq!(e.kind, Kind::Id);
        assert_eq!(e.group.as_deref(), Some("Server"));
        let e = entry(":LABEL");
        assert_eq!((e.name, e.kind), (None, Kind::Label));
        assert_eq!(entry(":START_ID(Server)").kind, Kind::StartId);
        assert_eq!(
            entry(":END_ID(DataCenter)").group.as_deref(),
            Some("DataCenter")
        );
        assert_eq!(entry("cpu_cores:int").kind, prop(Scalar::Int, false));
        assert_eq!(entry("tags:string[]").kind, prop(Scalar::String, true));
        assert_eq!(entry("name").kind, prop(Scalar::String, false));
        assert_eq!(entry("src:START_ID").kind, Kind::StartId);
        // The last colon separates the type.
        let e = entry("a:b:int");
        assert_eq!(e.name.as_deref(), Some("a:b"));
        assert_eq!(e.kind, prop(Scalar::Int, false));
        // Options, with quotes and commas.
        let e = entry("id:ID(Svc){id-type:long, label:'Service'}");
        assert_eq!(e.option("id-type"), Some("long"));
        assert_eq!(e.option("label"), Some("Service"));
        assert_eq!(e.group.as_deref(), Some("Svc"));
        let e = entry("loc:point{crs:WGS-84}");
        assert_eq!(e.kind, prop(Scalar::Point, false));
        assert_eq!(e.option("crs"), Some("WGS-84"));
        let e = entry("at:datetime{timezone:Europe/Stockholm}");
        assert_eq!(e.option("timezone"), Some("Europe/Stockholm"));
    }

    #[test]
    fn kinds_and_types_ignore_case_except_ignore() {
        assert_eq!(entry(":id").kind, Kind::Id);
        assert_eq!(entry("x:INT").kind, prop(Scalar::Int, false));
        assert_eq!(entry("x:DateTime").kind, prop(Scalar::DateTime, false));
        assert_eq!(
            entry("x:LocalDateTime[]").kind,
            prop(Scalar::LocalDateTime, true)
        );
        assert_eq!(entry("x:IGNORE").kind, Kind::Ignore);
        assert_eq!(entry("").kind, Kind::Ignore);
        assert!(err(":ignore").contains("case-sensitive"));
    }

    #[test]
    fn bad_cells_are_rejected() {
        assert!(err("x:foo").contains("unknown property type 'foo'"));
        assert!(err("x:integer").contains("unknown property type"));
        assert!(err("x:int[][]").contains("unknown property type"));
        assert!(err("x:vector").contains("2025.10"));
        assert!(err("id:ID(Server").contains("'('"));
        assert!(err("x:int{a:1").contains("'{'"));
        assert!(err("x:").contains("empty type"));
        assert!(err(":int").contains("needs a name"));
        assert!(err(":ID()").contains("empty ID group"));
        assert!(err("x:int{novalue}").contains("key:value"));
    }

    fn header(cells: &[&str], kind: FileKind) -> (Header, Vec<String>) {
        let cells: Vec<String> = cells.iter().map(|s| s.to_string()).collect();
        parse_header(&cells, kind, IdType::String)
    }

    #[test]
    fn node_headers() {
        let (h, e) = header(
            &["id:ID(Server)", ":LABEL", "name", "n:int"],
            FileKind::Node,
        );
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(h.id_group, Some(Some("Server".into())));
        let (_, e) = header(&["id:ID", ":START_ID"], FileKind::Node);
        assert!(
            e[0].contains("unexpected node header type START_ID"),
            "{e:?}"
        );
        let (_, e) = header(&["id:ID", "id"], FileKind::Node);
        assert!(e[0].contains("duplicate property name 'id'"), "{e:?}");
        let (_, e) = header(&["a:ID(A)", "b:ID(B)"], FileKind::Node);
        assert!(e[0].contains("same ID group"), "{e:?}");
        let (h, e) = header(&["id:ID(S){id-type:long}"], FileKind::Node);
        assert!(e.is_empty());
        assert_eq!(h.id_type, Some(IdType::Integer));
        let (_, e) = header(&["x:int(G)"], FileKind::Node);
        assert!(e[0].contains("only belongs on"), "{e:?}");
    }

    #[test]
    fn relationship_headers() {
        let (h, e) = header(
            &[":START_ID(A)", ":END_ID(B)", "w:double"],
            FileKind::Relationship,
        );
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(h.start_group, Some(Some("A".into())));
        assert_eq!(h.end_group, Some(Some("B".into())));
        let (_, e) = header(&[":START_ID", "x"], FileKind::Relationship);
        assert_eq!(e, vec!["missing header of type END_ID".to_string()]);
        let (_, e) = header(&[":START_ID", ":END_ID", ":END_ID"], FileKind::Relationship);
        assert!(e[0].contains("END_ID appears 2 times"), "{e:?}");
        let (_, e) = header(&[":START_ID", ":END_ID", ":LABEL"], FileKind::Relationship);
        assert!(
            e[0].contains("unexpected relationship header type LABEL"),
            "{e:?}"
        );
        // `:START_ID:int` is an int property named `:START_ID` (last-colon rule).
        let (_, e) = header(&[":START_ID:int", ":END_ID"], FileKind::Relationship);
        assert!(
            e.contains(&"missing header of type START_ID".to_string()),
            "{e:?}"
        );
    }
}
