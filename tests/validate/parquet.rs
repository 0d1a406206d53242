//! `cmdbgen validate` on Parquet bundles: generated ones validate clean;
//! copies damaged on disk, or rewritten with the arrow writer, fail with the
//! right `FILE: message` or `FILE:ROW: message`.

use super::{assert_clean, bundle, fails, has_line, stdout, validate};
use ::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use ::parquet::arrow::ArrowWriter;
use ::parquet::basic::Compression;
use ::parquet::file::properties::WriterProperties;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{
    Array, ArrayRef, Int64Array, ListArray, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema};
use serde_json::Value as Json;
use std::fs;
use std::path::Path;
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

/// Replaces the strings of column `name` by `edit(row index, old)`.
fn edit_strings(
    path: &Path,
    name: &str,
    mut edit: impl FnMut(usize, Option<&str>) -> Option<String>,
) {
    rewrite(path, |fields, columns| {
        let k = column_index(fields, name);
        let old = columns[k].as_string::<i32>();
        let new: StringArray = (0..old.len())
            .map(|i| edit(i, (!old.is_null(i)).then(|| old.value(i))))
            .collect();
        columns[k] = Arc::new(new);
    });
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

#[test]
fn parquet_bundles_validate_clean() {
    let (_t, d) = bundle("tiny", &PARQUET);
    let out = assert_clean(&d);
    assert!(out.contains(" rows and 69 ids checked in "), "{out}");
    assert!(!out.contains("note:"), "{out}");
    let (_t, d) = bundle("small", &[&PARQUET[..], &["--shard-rows", "700"]].concat());
    let out = assert_clean(&d);
    assert!(out.contains(" files, 8524 rows and 3013 ids"), "{out}");
    let (_t, d) = bundle(
        "small",
        &[
            &PARQUET[..],
            &[
                "--parquet-target",
                "archive",
                "--row-group-rows",
                "300",
                "--shard-rows",
                "2500",
            ],
        ]
        .concat(),
    );
    let out = assert_clean(&d);
    assert!(
        out.contains("note: the shards are compressed with ZSTD (zstd:3); neo4j-admin is only known to read SNAPPY"),
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
    edit_strings(&p, "id:ID(Server)", |i, old| {
        if i == 2 {
            replaced = old.unwrap().to_string();
        }
        Some(if i == 2 {
            first.clone()
        } else {
            old.unwrap().to_string()
        })
    });
    // The same id again in a later shard.
    let later = "nodes/Server/part-00001.parquet";
    edit_strings(&d.join(later), "id:ID(Server)", |i, old| {
        Some(if i == 4 {
            first.clone()
        } else {
            old.unwrap().to_string()
        })
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
    let (_t, d) = bundle("tiny", &PARQUET);
    let f = shard("relationships/Server-HOSTED_IN-DataCenter");
    edit_strings(&d.join(&f), ":END_ID(DataCenter)", |i, old| {
        Some(if i == 6 {
            "dc-999999999".to_string()
        } else {
            old.unwrap().to_string()
        })
    });
    fix_manifest(&d, &f);
    let out = fails(&d);
    has_line(
        &out,
        &d,
        &f,
        Some(7),
        "END_ID 'dc-999999999' is not an id in ID group 'DataCenter'",
    );
    assert!(out.contains("FAILED: 1 errors, 0 warnings"), "{out}");
}

#[test]
fn a_parquet_column_of_an_unknown_type_fails() {
    let (_t, d) = bundle("tiny", &PARQUET);
    let f = shard("nodes/Server");
    rewrite(&d.join(&f), |fields, _| {
        let k = column_index(fields, "cpu_cores:int");
        fields[k] = fields[k].clone().with_name("x:bogus");
    });
    fix_manifest(&d, &f);
    let out = fails(&d);
    has_line(
        &out,
        &d,
        &f,
        None,
        "the column names differ from header.csv: column 13 is 'x:bogus', header.csv has 'cpu_cores:int'",
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
    let (_t, d) = bundle("tiny", &PARQUET);
    let f = shard("nodes/Server");
    rewrite(&d.join(&f), |fields, columns| {
        let k = column_index(fields, "cpu_cores:int");
        let ints = columns[k].as_primitive::<Int64Type>();
        let text: StringArray = ints.iter().map(|v| v.map(|n| n.to_string())).collect();
        fields[k] = Field::new("cpu_cores:int", DataType::Utf8, true);
        columns[k] = Arc::new(text);
    });
    fix_manifest(&d, &f);
    let out = fails(&d);
    has_line(
        &out,
        &d,
        &f,
        None,
        "column 'cpu_cores:int': is BYTE_ARRAY (STRING); a int property needs signed INT32 or INT64",
    );
    assert!(out.contains("FAILED: 1 errors, 0 warnings"), "{out}");
}

#[test]
fn parquet_values_are_checked_row_by_row() {
    let (_t, d) = bundle("tiny", &PARQUET);
    let f = shard("nodes/Server");
    rewrite(&d.join(&f), |fields, columns| {
        let k = column_index(fields, ":LABEL");
        let labels = columns[k].as_string::<i32>();
        let new: StringArray = (0..labels.len())
            .map(|i| {
                Some(if i == 1 {
                    format!("{};", labels.value(i))
                } else {
                    labels.value(i).to_string()
                })
            })
            .collect();
        columns[k] = Arc::new(new);
        let k = column_index(fields, "cpu_cores:int");
        let cores = columns[k].as_primitive::<Int64Type>();
        let new: Int64Array = (0..cores.len())
            .map(|i| {
                if i == 3 {
                    Some(1 << 40)
                } else {
                    cores.value(i).into()
                }
            })
            .collect();
        columns[k] = Arc::new(new);
        let k = column_index(fields, "created_at:datetime");
        let old = columns[k].as_primitive::<arrow_array::types::TimestampMicrosecondType>();
        let new: TimestampMicrosecondArray = (0..old.len())
            .map(|i| {
                Some(if i == 4 {
                    400_000_000_000_000_000
                } else {
                    old.value(i)
                })
            })
            .collect();
        columns[k] = Arc::new(new.with_timezone("UTC"));
        let k = column_index(fields, "name");
        let names = columns[k].as_string::<i32>();
        let new: StringArray = (0..names.len())
            .map(|i| Some(if i == 6 { "" } else { names.value(i) }))
            .collect();
        columns[k] = Arc::new(new);
        // Row 6: an empty tag list instead of null or some tags.
        let k = column_index(fields, "tags:string[]");
        let old = columns[k].as_list::<i32>();
        let mut b =
            arrow_array::builder::ListBuilder::new(arrow_array::builder::StringBuilder::new())
                .with_field(match fields[k].data_type() {
                    DataType::List(item) => item.clone(),
                    t => panic!("{t}"),
                });
        for i in 0..old.len() {
            if i == 5 {
                b.append(true);
            } else if old.is_null(i) {
                b.append_null();
            } else {
                let v = old.value(i);
                for s in v.as_string::<i32>().iter() {
                    b.values().append_value(s.unwrap());
                }
                b.append(true);
            }
        }
        let new: ListArray = b.finish();
        columns[k] = Arc::new(new);
    });
    fix_manifest(&d, &f);
    let out = fails(&d);
    has_line(&out, &d, &f, Some(2), "column ':LABEL' '");
    has_line(&out, &d, &f, Some(2), "label 4 is empty");
    has_line(
        &out,
        &d,
        &f,
        Some(4),
        "column 'cpu_cores:int': 1099511627776 is out of range -2147483648..=2147483647 of a int",
    );
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
    assert!(out.contains("FAILED: 4 errors, 1 warnings"), "{out}");
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
