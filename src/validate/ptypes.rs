//! Parquet column types against the Neo4j types their names declare
//! (../shared/neo4j-import-spec.md §2.6, docs/parquet.md).
//!
//! A column is judged by its Parquet schema alone (physical type plus
//! logical or converted annotation), which is what neo4j-admin's parquet-mr
//! reader sees; the Arrow schema a writer may embed is ignored. The Arrow
//! type used here is the one parquet-rs derives from that Parquet schema.
//!
//! | declared | Parquet |
//! |---|---|
//! | `:ID`, `:START_ID`, `:END_ID` | BYTE_ARRAY (STRING) for string ids; INT32/INT64 for integer ids |
//! | `:LABEL`, `:TYPE` | BYTE_ARRAY (STRING); labels joined by `;`, not a LIST |
//! | `string`, `char`, `point`, `duration` | BYTE_ARRAY (STRING), text as in CSV |
//! | `int`, `long`, `short`, `byte` | INT32 or INT64, signed |
//! | `float`, `double` | FLOAT or DOUBLE |
//! | `boolean` | BOOLEAN |
//! | `datetime` / `localdatetime` | TIMESTAMP adjusted / not adjusted to UTC |
//! | `date` | DATE |
//! | `time` / `localtime` | TIME adjusted / not adjusted to UTC |
//! | `X[]` | LIST of X's type |

use super::check::End;
use super::header::{Entry, IdType, Kind, PropType, Scalar};
use arrow_schema::DataType;
use parquet::basic::{ConvertedType, LogicalType, TimeUnit};
use parquet::schema::types::Type;

/// What to read from a column and check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Nothing: an ignored column, `:TYPE`, or a column whose type is wrong
    /// (reported once for the file).
    Skip,
    /// A part of the node id.
    Id,
    /// A relationship end.
    End(End),
    /// `:LABEL`.
    Label,
    /// A property.
    Prop(PropType),
}

/// The Parquet type of a column in the words of the Parquet format:
/// `INT64 (TIMESTAMP(MICROS, UTC))`, `BYTE_ARRAY (STRING)`, `LIST of ...`.
pub fn describe(t: &Type) -> String {
    if t.is_group() {
        return match list_element(t) {
            Some(e) => format!("LIST of {}", describe(e)),
            None => match t.get_basic_info().converted_type() {
                ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE => "MAP".to_string(),
                _ => "a group (struct)".to_string(),
            },
        };
    }
    let info = t.get_basic_info();
    let physical = format!("{:?}", t.get_physical_type());
    let note = match info.logical_type_ref() {
        Some(l) => logical_name(l),
        None if info.converted_type() != ConvertedType::NONE => {
            format!("{:?}", info.converted_type())
        }
        None => return physical,
    };
    format!("{physical} ({note})")
}

fn unit_name(u: &TimeUnit) -> &'static str {
    match u {
        TimeUnit::MILLIS => "MILLIS",
        TimeUnit::MICROS => "MICROS",
        TimeUnit::NANOS => "NANOS",
    }
}

fn logical_name(l: &LogicalType) -> String {
    let utc = |adjusted: bool| if adjusted { "UTC" } else { "local" };
    match l {
        LogicalType::String => "STRING".into(),
        LogicalType::Integer(i) => format!(
            "INT({}, {})",
            i.bit_width,
            if i.is_signed { "signed" } else { "unsigned" }
        ),
        LogicalType::Timestamp(t) => format!(
            "TIMESTAMP({}, {})",
            unit_name(&t.unit),
            utc(t.is_adjusted_to_u_t_c)
        ),
        LogicalType::Time(t) => format!(
            "TIME({}, {})",
            unit_name(&t.unit),
            utc(t.is_adjusted_to_u_t_c)
        ),
        LogicalType::Date => "DATE".into(),
        other => format!("{other:?}").to_uppercase(),
    }
}

/// The element of a LIST-annotated group (3-level or legacy 2-level form).
fn list_element(t: &Type) -> Option<&Type> {
    let info = t.get_basic_info();
    let is_list = matches!(info.logical_type_ref(), Some(LogicalType::List))
        || info.converted_type() == ConvertedType::LIST;
    if !is_list {
        return None;
    }
    let repeated = t.get_fields().first()?;
    match repeated.get_fields() {
        [element] if repeated.is_group() => Some(element),
        _ => Some(repeated),
    }
}

/// Whether a TIME column is adjusted to UTC (`None`: not a TIME).
fn time_utc(t: &Type) -> Option<bool> {
    let leaf = list_element(t).unwrap_or(t);
    if leaf.is_group() {
        return None;
    }
    let info = leaf.get_basic_info();
    match info.logical_type_ref() {
        Some(LogicalType::Time(t)) => Some(t.is_adjusted_to_u_t_c),
        _ => match info.converted_type() {
            ConvertedType::TIME_MILLIS | ConvertedType::TIME_MICROS => Some(true),
            _ => None,
        },
    }
}

/// What a scalar needs, in Parquet words.
fn expected(s: Scalar) -> &'static str {
    match s {
        Scalar::String | Scalar::Char | Scalar::Point | Scalar::Duration => "BYTE_ARRAY (STRING)",
        Scalar::Int | Scalar::Long | Scalar::Short | Scalar::Byte => "signed INT32 or INT64",
        Scalar::Float | Scalar::Double => "FLOAT or DOUBLE",
        Scalar::Boolean => "BOOLEAN",
        Scalar::DateTime => "INT64 (TIMESTAMP adjusted to UTC)",
        Scalar::LocalDateTime => "INT64 (TIMESTAMP not adjusted to UTC)",
        Scalar::Date => "INT32 (DATE)",
        Scalar::Time => "TIME adjusted to UTC",
        Scalar::LocalTime => "TIME not adjusted to UTC",
    }
}

/// Whether the Arrow type `dt` (derived from the Parquet column `pq`)
/// holds scalar values of type `s`.
fn scalar_fits(s: Scalar, dt: &DataType, pq: &Type) -> bool {
    use DataType as D;
    match s {
        Scalar::String | Scalar::Char | Scalar::Point | Scalar::Duration => dt == &D::Utf8,
        Scalar::Int | Scalar::Long | Scalar::Short | Scalar::Byte => {
            matches!(dt, D::Int8 | D::Int16 | D::Int32 | D::Int64)
        }
        Scalar::Float | Scalar::Double => matches!(dt, D::Float32 | D::Float64),
        Scalar::Boolean => dt == &D::Boolean,
        Scalar::DateTime => matches!(dt, D::Timestamp(_, Some(_))),
        Scalar::LocalDateTime => matches!(dt, D::Timestamp(_, None)),
        Scalar::Date => dt == &D::Date32,
        Scalar::Time | Scalar::LocalTime => {
            matches!(dt, D::Time32(_) | D::Time64(_)) && time_utc(pq) == Some(s == Scalar::Time)
        }
    }
}

/// What to do with a column declared by `entry`, whose Parquet type is `pq`
/// (Arrow type `dt`); `Err` says why the type does not fit. `id_type` is
/// how the ids of the column's ID group compare.
pub fn plan(entry: &Entry, dt: &DataType, pq: &Type, id_type: IdType) -> Result<Plan, String> {
    let got = describe(pq);
    match entry.kind {
        Kind::Ignore => Ok(Plan::Skip),
        Kind::Type => match dt {
            DataType::Utf8 => Ok(Plan::Skip),
            _ => Err(format!("is {got}; :TYPE needs BYTE_ARRAY (STRING)")),
        },
        Kind::Label => match dt {
            DataType::Utf8 => Ok(Plan::Label),
            DataType::List(_) => Err(format!(
                "is {got}; neo4j-admin reads :LABEL as one string split on ';' (a LIST would import as labels like '[A' and 'B]'): write the labels joined by ';' as BYTE_ARRAY (STRING)"
            )),
            _ => Err(format!(
                "is {got}; :LABEL needs BYTE_ARRAY (STRING), the labels joined by ';'"
            )),
        },
        Kind::Id | Kind::StartId | Kind::EndId => {
            let ok = match id_type {
                IdType::String => dt == &DataType::Utf8,
                IdType::Integer => {
                    matches!(
                        dt,
                        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64
                    )
                }
            };
            if !ok {
                let (what, need) = match id_type {
                    IdType::String => ("string", expected(Scalar::String)),
                    IdType::Integer => ("integer", expected(Scalar::Long)),
                };
                return Err(format!("is {got}; ids of {what} ID groups need {need}"));
            }
            Ok(match entry.kind {
                Kind::Id => Plan::Id,
                Kind::StartId => Plan::End(End::Start),
                _ => Plan::End(End::End),
            })
        }
        Kind::Prop(ty) if ty.array => {
            let element_fits = match (dt, list_element(pq)) {
                (DataType::List(f), Some(e)) => scalar_fits(ty.scalar, f.data_type(), e),
                _ => false,
            };
            if element_fits {
                Ok(Plan::Prop(ty))
            } else {
                Err(format!(
                    "is {got}; a {ty} property needs a LIST of {}",
                    expected(ty.scalar)
                ))
            }
        }
        Kind::Prop(ty) => {
            if scalar_fits(ty.scalar, dt, pq) {
                Ok(Plan::Prop(ty))
            } else {
                let mut why = format!("is {got}; a {ty} property needs {}", expected(ty.scalar));
                if dt == &DataType::Utf8 {
                    why.push_str(" (neo4j-admin does not parse text in typed Parquet columns the way it does in CSV)");
                }
                Err(why)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::header::parse_entry;
    use arrow_schema::{Field, Schema, TimeUnit as ArrowUnit};
    use parquet::arrow::ArrowSchemaConverter;
    use std::sync::Arc;

    /// The Parquet column an Arrow field is written as, and the Arrow type
    /// parquet-rs reads it back as.
    fn column(dt: DataType) -> (DataType, Type) {
        let schema = Schema::new(vec![Field::new("c", dt, true)]);
        let descr = ArrowSchemaConverter::new().convert(&schema).unwrap();
        let pq = descr.root_schema().get_fields()[0].as_ref().clone();
        let back = parquet::arrow::parquet_to_arrow_schema(&descr, None).unwrap();
        (back.field(0).data_type().clone(), pq)
    }

    fn check(cell: &str, dt: DataType) -> Result<Plan, String> {
        let (dt, pq) = column(dt);
        plan(&parse_entry(cell).unwrap(), &dt, &pq, IdType::String)
    }

    fn utc_micros() -> DataType {
        DataType::Timestamp(ArrowUnit::Microsecond, Some("UTC".into()))
    }

    fn list(dt: DataType) -> DataType {
        DataType::List(Arc::new(Field::new("element", dt, false)))
    }

    #[test]
    fn cmdbgen_types_fit() {
        for (cell, dt) in [
            ("id:ID(Server)", DataType::Utf8),
            (":LABEL", DataType::Utf8),
            (":START_ID(Server)", DataType::Utf8),
            ("name", DataType::Utf8),
            ("cpu_cores:int", DataType::Int64),
            ("cpu_cores:int", DataType::Int32),
            ("users:long", DataType::Int64),
            ("cost:double", DataType::Float64),
            ("encrypted:boolean", DataType::Boolean),
            ("created_at:datetime", utc_micros()),
            (
                "created_at:datetime",
                DataType::Timestamp(ArrowUnit::Millisecond, Some("UTC".into())),
            ),
            ("tags:string[]", list(DataType::Utf8)),
            ("ports:int[]", list(DataType::Int64)),
            (
                "when:localdatetime",
                DataType::Timestamp(ArrowUnit::Microsecond, None),
            ),
            ("day:date", DataType::Date32),
        ] {
            assert!(
                check(cell, dt.clone()).is_ok(),
                "{cell} {dt}: {:?}",
                check(cell, dt.clone())
            );
        }
    }

    #[test]
    fn mismatches_say_what_the_column_is_and_needs() {
        let e = check("cpu_cores:int", DataType::Utf8).unwrap_err();
        assert!(
            e.starts_with("is BYTE_ARRAY (STRING); a int property needs signed INT32 or INT64"),
            "{e}"
        );
        let e = check(
            "created_at:datetime",
            DataType::Timestamp(ArrowUnit::Microsecond, None),
        )
        .unwrap_err();
        assert!(e.contains("TIMESTAMP(MICROS, local)"), "{e}");
        assert!(e.contains("adjusted to UTC"), "{e}");
        let e = check(":LABEL", list(DataType::Utf8)).unwrap_err();
        assert!(
            e.starts_with("is LIST of BYTE_ARRAY (STRING); neo4j-admin reads :LABEL"),
            "{e}"
        );
        let e = check("tags:string[]", DataType::Utf8).unwrap_err();
        assert!(e.contains("needs a LIST of BYTE_ARRAY (STRING)"), "{e}");
        let e = check("ports:int[]", list(DataType::Utf8)).unwrap_err();
        assert!(e.contains("LIST of signed INT32 or INT64"), "{e}");
        assert!(check("cost:double", DataType::Int64).is_err());
        assert!(check("encrypted:boolean", DataType::Utf8).is_err());
        assert!(check("id:ID(Server)", DataType::Int64).is_err());
        assert!(check("n:int", DataType::UInt64).is_err());
        assert_eq!(check(":IGNORE", DataType::Float64), Ok(Plan::Skip));
        let (dt, pq) = column(DataType::Int64);
        let e = parse_entry("id:ID(S)").unwrap();
        assert_eq!(plan(&e, &dt, &pq, IdType::Integer), Ok(Plan::Id));
    }
}
