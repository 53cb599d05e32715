//! The modules import one way: no cycle between the top-level modules of `src/`, nor between
//! the files of a folder module (`espf/`, `client/`, …). A file's imports are the `crate::x`
//! (or, inside a folder, `super::x`) paths in its code outside `#[cfg(test)]`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The code of a file without its tests and comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names that follow `prefix` in `code`: `prefix::name` and `prefix::{a, b::c}`.
fn targets(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices(prefix) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            out.extend(group.split(',').map(|p| word(p.trim())));
        } else {
            out.insert(word(rest));
        }
    }
    out.remove("");
    out
}

/// The modules of `dir` (files and folders) and the edges between them.
fn graph(dir: &Path, prefix: &str, skip: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in rust_files(dir) {
        let relative = path.strip_prefix(dir).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let name = first.to_string_lossy().trim_end_matches(".rs").to_string();
        if skip.contains(&name.as_str()) {
            continue;
        }
        let edges = modules.entry(name.clone()).or_default();
        for target in targets(&code(&path), prefix) {
            if target != name {
                edges.insert(target);
            }
        }
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    for edges in modules.values_mut() {
        edges.retain(|t| names.contains(t));
    }
    modules
}

/// A cycle in `graph`, as the path that closes it.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(found) = visit(node, graph, &mut Vec::new(), &mut done) {
            return Some(found);
        }
    }
    None
}

#[test]
fn the_top_level_modules_import_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph(&src, "crate::", &["bin", "lib", "main"]);
    assert!(graph.len() > 15, "{graph:?}");
    // The data model imports no wire format.
    for wire in ["soap", "rest", "wire", "transport", "client"] {
        assert!(!graph["model"].contains(wire), "model imports {wire}");
    }
    if let Some(found) = cycle(&graph) {
        panic!("the modules import each other: {}", found.join(" -> "));
    }
}

#[test]
fn the_files_of_each_folder_module_import_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for folder in ["espf", "client", "model", "soap", "rest", "auth", "sim"] {
        let graph = graph(&src.join(folder), "super::", &["mod"]);
        if let Some(found) = cycle(&graph) {
            panic!("{folder}/ imports in a circle: {}", found.join(" -> "));
        }
    }
}

#[test]
fn a_cycle_is_found() {
    let mut graph = BTreeMap::new();
    graph.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    graph.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    graph.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
    graph.insert("c".to_string(), BTreeSet::new());
    assert!(cycle(&graph).is_none());
    assert_eq!(
        targets(
            "use crate::{a, b::c};\nlet x = $crate::d; crate::e::f",
            "crate::"
        ),
        BTreeSet::from(["a".to_string(), "b".to_string(), "e".to_string()])
    );
}
