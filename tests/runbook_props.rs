//! The loader and validator never panic, whatever the file holds: a
//! runbook is edited by tired people at 03:00, and `check` must answer
//! with diagnostics, never a crash. Rendering those diagnostics (spans,
//! carets, line numbers) must not panic either.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

mod properties;

use properties::runbook::load_and_render;
use proptest::prelude::*;

fn shipped() -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("runbooks");
    let mut out: Vec<(PathBuf, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    out.sort();
    out
}

#[derive(Debug, Clone)]
enum Edit {
    Delete { at: usize, len: usize },
    Duplicate { at: usize, len: usize },
    Replace { at: usize, bytes: Vec<u8> },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1usize..200).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), 1usize..400).prop_map(|(at, len)| Edit::Duplicate { at, len }),
        (
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![
                    Just(b'"'),
                    Just(b'['),
                    Just(b']'),
                    Just(b'='),
                    Just(b'\n'),
                    Just(b'$'),
                    Just(b'{'),
                    Just(b'}'),
                    any::<u8>()
                ],
                1..12
            )
        )
            .prop_map(|(at, bytes)| Edit::Replace { at, bytes }),
    ]
}

fn apply(text: &[u8], edit: &Edit) -> Vec<u8> {
    let mut v = text.to_vec();
    if v.is_empty() {
        return v;
    }
    match edit {
        Edit::Delete { at, len } => {
            let at = at % v.len();
            let end = (at + len).min(v.len());
            v.drain(at..end);
        }
        Edit::Duplicate { at, len } => {
            let at = at % v.len();
            let end = (at + len).min(v.len());
            let chunk = v[at..end].to_vec();
            v.splice(end..end, chunk);
        }
        Edit::Replace { at, bytes } => {
            let at = at % v.len();
            let end = (at + bytes.len()).min(v.len());
            v.splice(at..end, bytes.iter().copied());
        }
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        load_and_render(&text, Path::new("fuzz.toml"));
    }

    #[test]
    fn mutated_shipped_runbooks_never_panic(
        which in 0usize..3,
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let books = shipped();
        let (path, text) = &books[which % books.len()];
        let mut bytes = text.as_bytes().to_vec();
        for e in &edits {
            bytes = apply(&bytes, e);
        }
        let text = String::from_utf8_lossy(&bytes);
        load_and_render(&text, path);
    }
}
