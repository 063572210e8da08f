//! Checked against values computed independently by
//! `scripts/mann_whitney_reference.py` (Python standard library, written
//! from the definitions and following scipy.stats.mannwhitneyu's
//! asymptotic method; its first row is scipy's documented example,
//! p = 0.11134688653314041). Rerun the script to see every number below.
#![allow(clippy::unwrap_used)]

use super::*;

struct Case {
    name: &'static str,
    x: &'static [f64],
    y: &'static [f64],
    u: f64,
    z: f64,
    p: f64,
    rank_biserial: f64,
    hodges_lehmann: f64,
}

const CASES: &[Case] = &[
    Case {
        name: "scipy docs example",
        x: &[19.0, 22.0, 16.0, 29.0, 24.0],
        y: &[20.0, 11.0, 17.0, 12.0],
        u: 17.0,
        z: 1.5921683328090657,
        p: 0.11134688653314048,
        rank_biserial: 0.7,
        hodges_lehmann: 7.0,
    },
    Case {
        name: "canary higher, one tie",
        x: &[1.2, 1.5, 1.9, 2.4, 2.2, 1.8, 2.9, 2.0],
        y: &[0.9, 1.1, 1.0, 1.3, 0.8, 1.2, 1.4, 0.7],
        u: 61.5,
        z: 3.0478510742553464,
        p: 0.002304841217257191,
        rank_biserial: 0.921875,
        hodges_lehmann: 0.9000000000000001,
    },
    Case {
        name: "heavy ties",
        x: &[1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 4.0],
        y: &[1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 4.0, 5.0],
        u: 23.0,
        z: -1.2398313243998003,
        p: 0.21503778948761623,
        rank_biserial: -0.36111111111111116,
        hodges_lehmann: -1.0,
    },
    Case {
        name: "identical samples",
        x: &[5.0, 5.0, 5.0, 5.0],
        y: &[5.0, 5.0, 5.0],
        u: 6.0,
        z: 0.0,
        p: 1.0,
        rank_biserial: 0.0,
        hodges_lehmann: 0.0,
    },
    Case {
        name: "canary lower",
        x: &[10.0, 11.0, 9.0, 12.0, 10.0, 8.0, 11.0, 9.0, 10.0, 10.0],
        y: &[14.0, 15.0, 13.0, 16.0, 14.0, 12.0, 15.0, 13.0, 17.0, 14.0],
        u: 0.5,
        z: -3.7307962393717164,
        p: 0.00019087555616266826,
        rank_biserial: -0.99,
        hodges_lehmann: -4.0,
    },
    Case {
        name: "overlapping",
        x: &[0.11, 0.13, 0.12, 0.10, 0.14, 0.12, 0.11, 0.13],
        y: &[0.12, 0.11, 0.13, 0.12, 0.10, 0.12, 0.14, 0.11],
        u: 34.0,
        z: 0.16187469273814334,
        p: 0.8714045322237178,
        rank_biserial: 0.0625,
        hodges_lehmann: 0.0,
    },
];

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs().max(1e-300) || (got - want).abs() < 1e-12
}

#[test]
fn matches_the_reference_table() {
    for c in CASES {
        let r = test(c.x, c.y).unwrap();
        assert_eq!(r.u, c.u, "{}: U", c.name);
        assert!(close(r.z, c.z, 1e-12), "{}: z {} vs {}", c.name, r.z, c.z);
        assert!(close(r.p, c.p, 1e-9), "{}: p {} vs {}", c.name, r.p, c.p);
        assert!(
            close(r.rank_biserial, c.rank_biserial, 1e-12),
            "{}: rank-biserial {}",
            c.name,
            r.rank_biserial
        );
        assert!(
            close(r.hodges_lehmann, c.hodges_lehmann, 1e-9),
            "{}: Hodges-Lehmann {}",
            c.name,
            r.hodges_lehmann
        );
    }
}

#[test]
fn erfc_matches_the_standard_library_of_python() {
    // Python's math.erfc, printed by the same script.
    for (x, want) in [
        (0.0, 1.0),
        (0.3, 0.6713732405408726),
        (0.5, 0.4795001221869535),
        (1.0, 0.15729920705028513),
        (2.0, 0.004677734981047265),
        (3.9, 3.479224859723177e-08),
        (4.0, 1.541725790028002e-08),
        (6.0, 2.1519736712498916e-17),
    ] {
        assert!(close(erfc(x), want, 1e-13), "erfc({x}) = {}", erfc(x));
        assert!(close(erfc(-x), 2.0 - want, 1e-13), "erfc(-{x})");
    }
}

#[test]
fn nothing_to_compare_is_no_result() {
    assert!(test(&[], &[1.0]).is_none());
    assert!(test(&[1.0], &[]).is_none());
    assert!(test(&[1.0, f64::NAN], &[1.0]).is_none());
    assert!(test(&[1.0], &[f64::INFINITY]).is_none());
}

#[test]
fn the_sides_swap_sign_not_p() {
    let c = &CASES[1];
    let (a, b) = (test(c.x, c.y).unwrap(), test(c.y, c.x).unwrap());
    assert!(close(a.p, b.p, 1e-12));
    assert!(close(a.rank_biserial, -b.rank_biserial, 1e-12));
    assert!(close(a.hodges_lehmann, -b.hodges_lehmann, 1e-12));
}
