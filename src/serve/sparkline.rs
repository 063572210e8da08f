//! A panel's recent values as a small inline SVG polyline: no image
//! request, no script, scaled to its own min..max like the console's.
//!
//! In whole units: one unit a sample across (the picture is stretched to
//! the panel's width), one a CSS pixel up (it is drawn 28 px high), so a
//! point is `57,13` and 120 samples fit in under a kilobyte: every viewer
//! receives it again when it changes.

/// Height of the drawing in SVG units (its CSS height in pixels).
const H: f64 = 28.0;

pub fn svg(values: impl Iterator<Item = f64>, label: &str) -> String {
    let v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    if v.len() < 2 {
        return String::new();
    }
    let (lo, hi) = v
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let w = v.len() - 1;
    let points: Vec<String> = v
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let y = H - 2.0 - (x - lo) / span * (H - 4.0);
            format!("{i},{:.0}", y)
        })
        .collect();
    format!(
        "<svg class=\"spark\" viewBox=\"0 0 {w} {H}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"recent values of {}\"><polyline vector-effect=\"non-scaling-stroke\" points=\"{}\"/></svg>",
        crate::report::doc::html_escape(label),
        points.join(" ")
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::svg;

    #[test]
    fn fewer_than_two_values_draw_nothing_and_a_flat_line_stays_inside() {
        assert_eq!(svg([1.0].into_iter(), "x"), "");
        let flat = svg([3.0, 3.0, 3.0].into_iter(), "x");
        assert!(
            flat.contains("viewBox=\"0 0 2 28\"") && flat.contains("points=\"0,26 1,26 2,26\""),
            "{flat}"
        );
        let up = svg([0.0, f64::NAN, 10.0].into_iter(), "<b>");
        assert!(up.contains("0,26 1,2\""), "{up}");
        assert!(up.contains("&lt;b&gt;"), "{up}");
    }
}
