use proptest::prelude::*;

use super::*;

const PAGE: &str = r#"# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9
metric_without_timestamp_and_labels 12.47
something_weird{problem="division by zero"} +Inf -3982045
neg_weird -Inf
not_a_number NaN
http_request_duration_seconds{quantile="0.99"} 0.312
http_request_duration_seconds_sum 53423
"#;

#[test]
fn parses_the_reference_page() {
    let s = parse(PAGE).unwrap();
    assert_eq!(s.len(), 9);
    assert_eq!(s[0].name, "http_requests_total");
    assert_eq!(
        s[0].labels,
        vec![("method", "post".into()), ("code", "200".into())]
    );
    assert_eq!(s[0].value, 1027.0);
    assert_eq!(s[0].timestamp, Some(1395066363000.0));
    assert_eq!(s[1].value, 3.0);
    assert_eq!(s[2].labels[0].1, r"C:\DIR\FILE.TXT");
    assert_eq!(s[2].labels[1].1, "Cannot find file:\n\"FILE.TXT\"");
    assert_eq!(s[2].value, 1.458255915e9);
    assert_eq!(s[3].labels, vec![]);
    assert_eq!(s[3].timestamp, None);
    assert_eq!(s[4].value, f64::INFINITY);
    assert_eq!(s[4].timestamp, Some(-3982045.0));
    assert_eq!(s[5].value, f64::NEG_INFINITY);
    assert!(s[6].value.is_nan());
}

#[test]
fn openmetrics_created_exemplars_and_eof() {
    let page = "# TYPE acme_http_router_request counter\n\
                # UNIT acme_http_router_request_seconds seconds\n\
                acme_http_router_request_total{path=\"/api/v1\",method=\"GET\"} 1366 # {trace_id=\"abc\"} 1.0 1520879607.789\n\
                acme_http_router_request_created{path=\"/api/v1\",method=\"GET\"} 1605281325.0\n\
                go_goroutines 69 1520879607.789\n\
                # EOF\n";
    let s = parse(page).unwrap();
    assert_eq!(s.len(), 3);
    assert_eq!(s[0].value, 1366.0);
    assert_eq!(s[2].timestamp, Some(1520879607.789));
    let sel = Selector::parse(r#"acme_http_router_request_total{method="GET"}"#).unwrap();
    assert_eq!(
        sel.pick(&s),
        Ok(1366.0),
        "the _created series is not picked"
    );
}

#[test]
fn strictness_by_table() {
    let table: &[(&str, &str)] = &[
        (
            "x{a=\"b\\t\"} 1",
            "line 1: invalid escape in label value at column 7",
        ),
        ("x{a=\"b} 1", "line 1: unterminated label value"),
        ("x 1\ny{a=b} 2", "line 2: expected '\"' at column 5"),
        ("x", "line 1: x: missing value"),
        ("x abc", "line 1: x: invalid value \"abc\""),
        ("x inf", "line 1: x: invalid value \"inf\""),
        ("x 1 2 3", "line 1: x: unexpected text after the value"),
        ("x 1 later", "line 1: x: invalid timestamp \"later\""),
        ("9x 1", "line 1: expected a metric name at column 1"),
        (
            "x{a=\"1\" b=\"2\"} 1",
            "line 1: expected ',' or '}' at column 9",
        ),
        ("# EOF\nx 1", "line 2: content after # EOF (line 1)"),
        (
            "<html><body>oops</body></html>",
            "line 1: expected a metric name at column 1",
        ),
    ];
    for (page, want) in table {
        let got = parse(page).unwrap_err();
        assert!(
            got.starts_with(want),
            "{page:?}: got {got:?}, want {want:?}"
        );
    }
}

#[test]
fn lenient_where_the_format_allows() {
    let s = parse("  x{a=\"1\",} 1\r\n\n# free comment\ny { b = \"2\" } 2\n").unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].labels, vec![("a", "1".into())]);
    assert_eq!(s[1].labels, vec![("b", "2".into())]);
    assert_eq!(parse("").unwrap(), vec![]);
}

#[test]
fn selector_picks_exactly_one() {
    let s = parse(PAGE).unwrap();
    let pick = |sel: &str| Selector::parse(sel).unwrap().pick(&s);
    assert_eq!(pick(r#"http_requests_total{code="400"}"#), Ok(3.0));
    assert_eq!(
        pick(r#"http_request_duration_seconds{quantile="0.99"}"#),
        Ok(0.312)
    );
    assert_eq!(pick("metric_without_timestamp_and_labels"), Ok(12.47));
    assert_eq!(
        pick(r#"msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT"}"#),
        Ok(1.458255915e9)
    );
    assert_eq!(
        pick("http_requests_total"),
        Err("http_requests_total matches 2 series; add labels to pick one".into())
    );
    assert_eq!(
        pick(r#"http_requests_total{code="500"}"#),
        Err(r#"no series matches http_requests_total{code="500"}"#.into())
    );
    assert_eq!(
        pick("http_requests"),
        Err("no series matches http_requests".into())
    );
    assert!(
        pick("not_a_number").unwrap().is_nan(),
        "NaN is passed on for the evaluator to reject"
    );
}

#[test]
fn bad_selectors_say_so() {
    for bad in ["", "x{a=1}", "x y", "x{a=\"1\""] {
        assert!(Selector::parse(bad).is_err(), "{bad:?}");
    }
}

proptest! {
    #[test]
    fn parser_never_panics(text in "\\PC{0,200}") {
        let _ = parse(&text);
        let _ = Selector::parse(&text);
    }

    #[test]
    fn parser_never_panics_on_near_valid_lines(
        lines in proptest::collection::vec(
            "[a-z_]{1,5}(\\{[a-z]{1,3}=\"([a-z\\\\\"n ]|\\\\.){0,6}\",?\\}?)? ?[-+0-9.eInfNa]{0,8}( [0-9#{}]{0,5})?",
            0..20,
        )
    ) {
        let _ = parse(&lines.join("\n"));
    }

    #[test]
    fn escaped_values_round_trip(v in "[ -~\n]{0,20}") {
        let escaped = v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        let page = format!("m{{l=\"{escaped}\"}} 1\n");
        let s = parse(&page).unwrap();
        prop_assert_eq!(&s[0].labels[0].1, &v);
    }
}
