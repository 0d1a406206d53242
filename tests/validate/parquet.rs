//! `cmdbgen validate` on Parquet bundles: generated ones validate clean;
//! copies damaged on disk, or rewritten with the arrow writer, fail with the
//! right `FILE: message` or `FILE:ROW: message`.

use super::{assert_clean, bundle, fails, has_line, stdout, validate};
use ::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use ::parquet::arrow::ArrowWriter;
use ::parquet::basic::Compression;
use ::parquet::file::properties::WriterProperties;
use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_array::{
    Array, ArrayRef, ArrowPrimitiveType, ListArray, PrimitiveArray, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use serde_json::Value as Json;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const PARQUET: [&str; 2] = ["--format", "parquet"];

fn shard(table: &str) -> String {
    format!("{table}/part-00000.parquet")
}

/// The one batch of a (small) Parquet shard, as the generator wrote it.
fn read(path: &Path) -> RecordBatch {
    let reader = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(path).unwrap())
        .unwrap()
        .with_batch_size(1 << 20)
        .build()
        .unwrap();
    let mut batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    assert_eq!(batches.len(), 1, "{}", path.display());
    batches.remove(0)
}

/// Rewrites a shard with the arrow writer (snappy, as the manifest says)
/// after `edit` changed its fields and columns.
fn rewrite(path: &Path, edit: impl FnOnce(&mut Vec<Field>, &mut Vec<ArrayRef>)) {
    let batch = read(path);
    let mut fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    let mut columns = batch.columns().to_vec();
    edit(&mut fields, &mut columns);
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut w = ArrowWriter::try_new(fs::File::create(path).unwrap(), schema, Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

fn column_index(fields: &[Field], name: &str) -> usize {
    fields
        .iter()
        .position(|f| f.name() == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// Column `name`, with the string of row `row` replaced by `f(old)`.
fn with_string(
    fields: &[Field],
    columns: &[ArrayRef],
    name: &str,
    row: usize,
    f: impl FnOnce(&str) -> String,
) -> (usize, ArrayRef) {
    let k = column_index(fields, name);
    let old = columns[k].as_string::<i32>();
    let mut values: Vec<Option<String>> = old.iter().map(|v| v.map(String::from)).collect();
    values[row] = Some(f(old.value(row)));
    (k, Arc::new(values.into_iter().collect::<StringArray>()))
}

/// Column `name` of a primitive type, with row `row` set to `v`.
fn with_value<T: ArrowPrimitiveType>(
    fields: &[Field],
    columns: &[ArrayRef],
    name: &str,
    row: usize,
    v: T::Native,
) -> (usize, PrimitiveArray<T>) {
    let k = column_index(fields, name);
    let mut values: Vec<Option<T::Native>> = columns[k].as_primitive::<T>().iter().collect();
    values[row] = Some(v);
    (k, values.into_iter().collect())
}

/// Makes the manifest agree with a rewritten file (size, xxh3, totals), so
/// that only the content is judged.
fn fix_manifest(dir: &Path, rel: &str) {
    let bytes = fs::read(dir.join(rel)).unwrap();
    let mut m: Json =
        serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let mut delta = 0i64;
    for t in m["tables"].as_array_mut().unwrap() {
        for s in t["shards"].as_array_mut().unwrap() {
            if s["path"] == rel {
                delta = bytes.len() as i64 - s["bytes"].as_i64().unwrap();
                s["bytes"] = bytes.len().into();
                s["xxh3"] = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes)).into();
            }
        }
    }
    let total = m["totals"]["bytes"].as_i64().unwrap() + delta;
    m["totals"]["bytes"] = total.into();
    fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec_pretty(&m).unwrap(),
    )
    .unwrap();
}

/// A `tiny` Parquet bundle whose first shard of `table` was rewritten by
/// `edit`, with the manifest fixed up so that only the content is judged;
/// returns the shard's path and validate's output (it must fail).
fn rewritten(
    table: &str,
    edit: impl FnOnce(&mut Vec<Field>, &mut Vec<ArrayRef>),
) -> (tempfile::TempDir, PathBuf, String, String) {
    let (t, d) = bundle("tiny", &PARQUET);
    let f = shard(table);
    rewrite(&d.join(&f), edit);
    fix_manifest(&d, &f);
    let out = fails(&d);
    (t, d, f, out)
}

#[test]
fn parquet_bundles_validate_clean() {
    let (_t, d) = bundle("tiny", &PARQUET);
    let out = assert_clean(&d);
    assert!(out.contains(" rows and 155 ids checked in "), "{out}");
    assert!(!out.contains("note:"), "{out}");
    let (_t, d) = bundle("small", &[&PARQUET[..], &["--shard-rows", "700"]].concat());
    let out = assert_clean(&d);
    assert!(out.contains(" files, 14678 rows and 3321 ids"), "{out}");
    let (_t, d) = bundle(
        "small",
        &[
            &PARQUET[..],
            &[
                "--parquet-codec",
                "zstd:7",
                "--row-group-rows",
                "450",
                "--shard-rows",
                "1800",
            ],
        ]
        .concat(),
    );
    let out = assert_clean(&d);
    assert!(
        out.contains("note: the shards are compressed with ZSTD (zstd:7); neo4j-admin is only known to read SNAPPY"),
        "{out}"
    );
    let (_t, d) = bundle(
        "tiny",
        &[
            &PARQUET[..],
            &["--parquet-codec", "none", "--row-group-rows", "7"],
        ]
        .concat(),
    );
    assert_clean(&d);
}

#[test]
fn a_flipped_byte_in_parquet_fails_the_checksum() {
    let (_t, d) = bundle("tiny", &PARQUET);
    let f = shard("nodes/Region");
    let p = d.join(&f);
    let mut bytes = fs::read(&p).unwrap();
    // A letter of the writer's name in the footer: still a readable file.
    let at = bytes.windows(10).position(|w| w == b"parquet-rs").unwrap();
    bytes[at] ^= 0x20;
    fs::write(&p, bytes).unwrap();
    let out = fails(&d);
    has_line(&out, &d, &f, None, "xxh3 is ");
    assert!(out.contains("FAILED: 1 errors, 0 warnings"), "{out}");
}

#[test]
fn a_truncated_parquet_shard_fails() {
    let (_t, d) = bundle("small", &PARQUET);
    let f = shard("nodes/Event");
    let p = d.join(&f);
    let bytes = fs::read(&p).unwrap();
    fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    let out = fails(&d);
    has_line(&out, &d, &f, None, "size is");
    has_line(&out, &d, &f, None, "not a readable Parquet file");
    has_line(
        &out,
        &d,
        "manifest.json",
        None,
        "warning: START_ID/END_ID values in ID group 'Event' were not looked up",
    );
}

#[test]
fn a_duplicate_id_in_parquet_fails_wherever_it_is() {
    let (_t, d) = bundle("tiny", &[&PARQUET[..], &["--shard-rows", "5"]].concat());
    let f = shard("nodes/Server");
    let p = d.join(&f);
    let first = read(&p).column(0).as_string::<i32>().value(0).to_string();
    let mut replaced = String::new();
    rewrite(&p, |fields, columns| {
        let (k, a) = with_string(fields, columns, "id:ID(Server)", 2, |old| {
            replaced = old.to_string();
            first.clone()
        });
        columns[k] = a;
    });
    // The same id again in a later shard.
    let later = "nodes/Server/part-00001.parquet";
    rewrite(&d.join(later), |fields, columns| {
        let (k, a) = with_string(fields, columns, "id:ID(Server)", 4, |_| first.clone());
        columns[k] = a;
    });
    let out = fails(&d);
    has_line(&out, &d, &f, None, "xxh3 is ");
    let dup = format!(
        "id '{first}' is defined more than once in ID group 'Server' (first at {}:1)",
        p.display()
    );
    has_line(&out, &d, &f, Some(3), &dup);
    has_line(&out, &d, later, Some(5), &dup);
    // The ids that disappeared are now dangling ends somewhere.
    assert!(
        out.contains(&format!("'{replaced}' is not an id in ID group 'Server'")),
        "{out}"
    );
    // The output does not depend on the thread count.
    let one = stdout(&validate(&d, &["--threads", "1"]));
    let two = stdout(&validate(&d, &["--threads", "2"]));
    let body = |s: &str| s.rsplit_once("checked in").unwrap().0.to_string();
    assert_eq!(body(&one), body(&two));
}

#[test]
fn a_dangling_end_in_parquet_fails() {
    let (_t, d, f, out) = rewritten(
        "relationships/Server-HOSTED_IN-DataCenter",
        |fields, columns| {
            let (k, a) = with_string(fields, columns, ":END_ID(DataCenter)", 6, |_| {
                "dc-999999999".into()
            });
            columns[k] = a;
        },
    );
    super::assert_dangling_data_center(&out, &d, &f);
    assert!(out.contains("FAILED: 1 errors, 0 warnings"), "{out}");
}

#[test]
fn a_parquet_column_of_an_unknown_type_fails() {
    let (_t, d, f, out) = rewritten("nodes/Server", |fields, _| {
        let k = column_index(fields, "cpu_cores:double");
        fields[k] = fields[k].clone().with_name("x:bogus");
    });
    has_line(
        &out,
        &d,
        &f,
        None,
        "the column names differ from header.csv: column 18 is 'x:bogus', header.csv has 'cpu_cores:double'",
    );
    has_line(
        &out,
        &d,
        &f,
        None,
        "column names: 'x:bogus': unknown property type 'bogus'",
    );
}

#[test]
fn a_parquet_column_stored_as_the_wrong_type_fails() {
    let (_t, d, f, out) = rewritten("nodes/DataCenter", |fields, columns| {
        let k = column_index(fields, "tier:int");
        let ints = columns[k].as_primitive::<Int64Type>();
        let text: StringArray = ints.iter().map(|v| v.map(|n| n.to_string())).collect();
        fields[k] = Field::new("tier:int", DataType::Utf8, true);
        columns[k] = Arc::new(text);
    });
    has_line(
        &out,
        &d,
        &f,
        None,
        "column 'tier:int': is BYTE_ARRAY (STRING); a int property needs signed INT32 or INT64",
    );
    assert!(out.contains("FAILED: 1 errors, 0 warnings"), "{out}");
}

#[test]
fn a_parquet_int_out_of_range_fails() {
    let (_t, d, f, out) = rewritten("nodes/DataCenter", |fields, columns| {
        let (k, a) = with_value::<Int64Type>(fields, columns, "tier:int", 3, 1 << 40);
        columns[k] = Arc::new(a);
    });
    has_line(
        &out,
        &d,
        &f,
        Some(4),
        "column 'tier:int': 1099511627776 is out of range -2147483648..=2147483647 of a int",
    );
}

#[test]
fn unreadable_parquet_ids_do_not_make_every_end_dangle() {
    let (_t, d, f, out) = rewritten("nodes/Server", |fields, columns| {
        let k = column_index(fields, "id:ID(Server)");
        let n = columns[k].len() as i64;
        fields[k] = Field::new("id:ID(Server)", DataType::Int64, false);
        columns[k] = Arc::new((0..n).collect::<PrimitiveArray<Int64Type>>());
    });
    has_line(
        &out,
        &d,
        &f,
        None,
        "column 'id:ID(Server)': is INT64; ids of string ID groups need BYTE_ARRAY (STRING)",
    );
    has_line(
        &out,
        &d,
        "manifest.json",
        None,
        "warning: START_ID/END_ID values in ID group 'Server' were not looked up",
    );
    assert!(!out.contains("is not an id in ID group"), "{out}");
}

#[test]
fn parquet_values_are_checked_row_by_row() {
    let (_t, d, f, out) = rewritten("nodes/Server", |fields, columns| {
        let (k, a) = with_string(fields, columns, ":LABEL", 1, |old| format!("{old};"));
        columns[k] = a;
        let (k, a) = with_string(fields, columns, "name", 6, |_| String::new());
        columns[k] = a;
        let (k, a) = with_value::<TimestampMicrosecondType>(
            fields,
            columns,
            "created_at:datetime",
            4,
            400_000_000_000_000_000,
        );
        columns[k] = Arc::new(a.with_timezone("UTC"));
        // Row 6: an empty tag list instead of null or some tags.
        let k = column_index(fields, "tags:string[]");
        let old = columns[k].as_list::<i32>();
        let item = match fields[k].data_type() {
            DataType::List(item) => item.clone(),
            t => panic!("{t}"),
        };
        let mut b = ListBuilder::new(StringBuilder::new()).with_field(item);
        for i in 0..old.len() {
            if !old.is_null(i) || i == 5 {
                let v = old.value(i);
                let tags = v.as_string::<i32>();
                if i != 5 {
                    tags.iter().for_each(|t| b.values().append_option(t));
                }
                b.append(true);
            } else {
                b.append_null();
            }
        }
        let new: ListArray = b.finish();
        columns[k] = Arc::new(new);
    });
    has_line(&out, &d, &f, Some(2), "column ':LABEL' '");
    has_line(&out, &d, &f, Some(2), "label 5 is empty");
    has_line(
        &out,
        &d,
        &f,
        Some(5),
        "column 'created_at:datetime': 400000000000000000 (Microseconds since 1970) is outside the years 0000-9999",
    );
    has_line(
        &out,
        &d,
        &f,
        Some(6),
        "column 'tags:string[]': an empty list",
    );
    has_line(
        &out,
        &d,
        &f,
        Some(7),
        "warning: column 'name': an empty string: neo4j-admin's Parquet reader imports it as no property",
    );
    assert!(out.contains("FAILED: 3 errors, 1 warnings"), "{out}");
}

#[test]
fn parquet_stray_files_and_import_args_are_checked() {
    let (_t, d) = bundle("tiny", &PARQUET);
    fs::write(d.join("nodes/Database/part-00001.parquet"), b"").unwrap();
    fs::write(d.join("nodes/Database/part-00002.parquet.tmp"), b"").unwrap();
    fs::write(d.join("nodes/Database/part-00003.csv"), b"").unwrap();
    let mut m: Json = serde_json::from_slice(&fs::read(d.join("manifest.json")).unwrap()).unwrap();
    let args = m["import"]["args"].as_array_mut().unwrap();
    args.retain(|a| a != "--input-type=parquet");
    args.push("--delimiter=,".into());
    for a in args.iter_mut() {
        if a == "--nodes=nodes/Server/part-[0-9]+[.]parquet" {
            *a = "--nodes=nodes/Server/header.csv,nodes/Server/part-[0-9]+[.]parquet".into();
        }
        if a == "--nodes=nodes/Region/part-[0-9]+[.]parquet" {
            *a = "--nodes=nodes/Region/.*".into();
        }
    }
    fs::write(d.join("manifest.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    let out = fails(&d);
    has_line(
        &out,
        &d,
        "nodes/Database/part-00001.parquet",
        None,
        "a shard file not listed in the manifest",
    );
    has_line(
        &out,
        &d,
        "nodes/Database/part-00002.parquet.tmp",
        None,
        "temporary file",
    );
    has_line(
        &out,
        &d,
        "nodes/Database/part-00003.csv",
        None,
        "warning: a file not listed in the manifest",
    );
    has_line(
        &out,
        &d,
        "manifest.json",
        None,
        "--input-type is csv, but the manifest's run.format says the shards are Parquet",
    );
    has_line(
        &out,
        &d,
        "manifest.json",
        None,
        "warning: import arg --delimiter=,: a CSV-only option, ignored with --input-type=parquet",
    );
    has_line(
        &out,
        &d,
        "manifest.json",
        None,
        "'nodes/Server/header.csv' in the Parquet group of Server: neo4j-admin takes a .csv file there as a header file",
    );
    has_line(
        &out,
        &d,
        "manifest.json",
        None,
        "'nodes/Region/.*' also matches the header nodes/Region/header.csv, would be taken as a header file",
    );
}
