//! The layering ARCHITECTURE.md declares, checked against the code's own imports: a top-level
//! module of `src/` may import only modules of a lower layer (its tests included), and the
//! simulator crate only the library's contract modules. A back-import fails this test with the
//! file and the edge named.
//!
//! It reads source files, not the compiler's view: every `crate::name` (and, in the binary
//! and the simulator, `ioc::name`) outside comments counts, in `use` lines or in paths.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The order as ARCHITECTURE.md states it: module name → layer (0 at the bottom).
type Layers = BTreeMap<String, usize>;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Reads the fenced block after the line `layers (bottom to top):` in ARCHITECTURE.md: one
/// layer a line, its modules separated by spaces after a colon.
fn declared_layers(architecture: &str) -> Result<Layers, String> {
    let start = architecture
        .find("```text layers")
        .ok_or("ARCHITECTURE.md has no ```text layers block")?;
    let block = &architecture[start..];
    let body = block.lines().skip(1).take_while(|l| !l.starts_with("```"));
    let mut layers = Layers::new();
    for (layer, line) in body.enumerate() {
        let modules = line
            .split_once(':')
            .map(|(_, m)| m)
            .ok_or_else(|| format!("layer line without a colon: {line:?}"))?;
        for module in modules.split_whitespace() {
            let module = module.trim_matches(|c| c == '`' || c == ',');
            if layers.insert(module.to_owned(), layer).is_some() {
                return Err(format!("{module} is declared in two layers"));
            }
        }
    }
    Ok(layers)
}

/// The code without its comments (line comments, doc comments and block comments), so prose
/// that names a module is not an import.
fn without_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while !rest.is_empty() {
        let line_c = rest.find("//");
        let block_c = rest.find("/*");
        let string = rest.find('"');
        let next = [line_c, block_c, string].into_iter().flatten().min();
        let Some(at) = next else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with("//") {
            rest = rest.find('\n').map_or("", |n| &rest[n..]);
        } else if rest.starts_with("/*") {
            rest = rest.find("*/").map_or("", |n| &rest[n + 2..]);
        } else if out.ends_with('\'') && rest.get(1..2) == Some("'") {
            // The char literal '"', not a string.
            out.push('"');
            rest = &rest[1..];
        } else {
            // A string literal: kept out too (test data may spell paths), escapes honoured.
            let mut end = 1;
            let bytes = rest.as_bytes();
            while end < bytes.len() && bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            rest = rest.get(end + 1..).unwrap_or("");
        }
    }
    out
}

/// Every top-level module that `code` names through `root` (`crate` or `ioc`), including
/// those in grouped imports such as `use crate::{model::City, shell}`.
fn imported(code: &str, root: &str) -> Vec<String> {
    let mut names = Vec::new();
    let prefix = format!("{root}::");
    let mut at = 0;
    while let Some(found) = code[at..].find(&prefix) {
        let start = at + found;
        at = start + prefix.len();
        let before = code[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[at..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            names.extend(inner.split(',').filter_map(first_segment));
        } else if let Some(name) = first_segment(rest) {
            names.push(name);
        }
    }
    names
}

fn first_segment(path: &str) -> Option<String> {
    let name: String = path
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_owned()];
    while let Some(d) = dirs.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The top-level module a file of `src/` belongs to (`lib.rs` belongs to none).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let first = file.strip_prefix(src).ok()?.components().next()?;
    let name = first.as_os_str().to_str()?.trim_end_matches(".rs");
    (name != "lib").then(|| name.to_owned())
}

/// Every import of `src/` that does not point down: "file: a (layer n) imports b (layer m)".
fn back_imports(src: &Path, layers: &Layers) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(src) {
        let Some(module) = module_of(src, &file) else {
            continue;
        };
        let Some(&own) = layers.get(&module) else {
            found.push(format!("{module} is in no layer of ARCHITECTURE.md"));
            continue;
        };
        let code = without_comments(&std::fs::read_to_string(&file).unwrap_or_default());
        // The binary (main.rs, keys_cmd.rs) reaches the library as `ioc::`.
        let names = imported(&code, "crate")
            .into_iter()
            .chain(imported(&code, "ioc"));
        for name in names {
            match layers.get(&name) {
                Some(&other) if other < own || name == module => {}
                Some(&other) => found.push(format!(
                    "{}: {module} (layer {own}) imports {name} (layer {other})",
                    file.display()
                )),
                None => {}
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn every_module_imports_only_the_layers_below_it() {
    let architecture =
        std::fs::read_to_string(repo().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let layers = declared_layers(&architecture).expect("the declared layers");
    let modules: Vec<String> = std::fs::read_dir(repo().join("src"))
        .expect("src/")
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .map(|n| n.trim_end_matches(".rs").to_owned())
        })
        .filter(|n| n != "lib")
        .collect();
    let undeclared: Vec<&String> = modules
        .iter()
        .filter(|m| !layers.contains_key(*m))
        .collect();
    assert!(
        undeclared.is_empty(),
        "modules in no layer of ARCHITECTURE.md: {undeclared:?}"
    );
    let back = back_imports(&repo().join("src"), &layers);
    assert!(
        back.is_empty(),
        "imports against the layering:\n{}",
        back.join("\n")
    );
}

#[test]
fn the_simulator_uses_only_the_library_contract() {
    let architecture =
        std::fs::read_to_string(repo().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let start = architecture
        .find("The simulator's contract:")
        .expect("ARCHITECTURE.md names the simulator's contract");
    let paragraph = &architecture[start..];
    let paragraph = &paragraph[..paragraph.find("\n\n").unwrap_or(paragraph.len())];
    let contract: Vec<String> = imported(paragraph, "ioc");
    let src = repo().join("simulators/src");
    let mut outside = Vec::new();
    for file in rust_files(&src) {
        let code = without_comments(&std::fs::read_to_string(&file).unwrap_or_default());
        for name in imported(&code, "ioc") {
            if !contract.contains(&name) {
                outside.push(format!("{}: ioc::{name}", file.display()));
            }
        }
    }
    assert!(!contract.is_empty(), "the contract line names no module");
    assert!(
        outside.is_empty(),
        "the simulator reaches past the contract ({contract:?}):\n{}",
        outside.join("\n")
    );
}

#[test]
fn a_back_import_is_found_and_prose_or_strings_are_not() {
    let layers = declared_layers("```text layers\n0: model shell\n1: store\n2: serve\n```\n")
        .expect("parses");
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path();
    std::fs::create_dir_all(src.join("store")).expect("mkdir");
    std::fs::create_dir_all(src.join("model")).expect("mkdir");
    std::fs::write(
        src.join("store/mod.rs"),
        "//! Read by crate::serve.\nuse crate::{model::City, shell};\nfn f() { let _ = \"crate::serve\"; }\n",
    )
    .expect("write");
    std::fs::write(src.join("model/mod.rs"), "use crate::store::Store;\n").expect("write");
    let back = back_imports(src, &layers);
    assert_eq!(back.len(), 1, "{back:?}");
    assert!(
        back[0].ends_with("model (layer 0) imports store (layer 1)"),
        "{back:?}"
    );
}
