//! `leitmotif schema`: the feature-vector layout (names, groups, units), as text or JSON.

use clap::Args;
use leitmotif::vector::{GROUPS, SCHEMA_VERSION, schema, schema_hash};

#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: SchemaArgs) -> i32 {
    let dims = schema();
    if args.json {
        let groups: Vec<_> = GROUPS
            .iter()
            .map(|g| {
                serde_json::json!({
                    "name": g.name,
                    "default_weight": g.default_weight,
                    "dimensions": dims.iter().filter(|d| d.group == g.name).count(),
                    "description": g.description,
                })
            })
            .collect();
        let dimensions: Vec<_> = dims
            .iter()
            .enumerate()
            .map(|(i, d)| serde_json::json!({"index": i, "name": d.name, "group": d.group, "unit": d.unit}))
            .collect();
        let doc = serde_json::json!({
            "version": SCHEMA_VERSION,
            "hash": format!("{:016x}", schema_hash()),
            "dim": dims.len(),
            "groups": groups,
            "dimensions": dimensions,
        });
        println!("{doc}");
        return 0;
    }
    println!(
        "feature-vector schema version {SCHEMA_VERSION}, {} dimensions, hash {:016x}",
        dims.len(),
        schema_hash()
    );
    println!();
    println!("{:<14} {:>6} {:>5}  description", "group", "weight", "dims");
    for g in GROUPS {
        let n = dims.iter().filter(|d| d.group == g.name).count();
        println!(
            "{:<14} {:>6} {:>5}  {}",
            g.name, g.default_weight, n, g.description
        );
    }
    println!();
    println!("{:>5}  {:<24} {:<14} unit", "index", "name", "group");
    for (i, d) in dims.iter().enumerate() {
        println!("{i:>5}  {:<24} {:<14} {}", d.name, d.group, d.unit);
    }
    0
}
