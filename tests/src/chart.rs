//! Line charts as SVG, drawn by hand: the load command's figures over time
//! (throughput, latency, lag, memory) as a picture the README can show,
//! without a plotting stack to install. One chart is a column of panels
//! sharing the time axis; each panel has its own y axis and legend.

use std::fmt::Write;

/// One line of a panel: its name and its (x, y) points.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// One panel: a title, the unit of its y axis, and its lines.
pub struct Panel {
    pub title: String,
    pub unit: String,
    pub series: Vec<Series>,
}

const WIDTH: f64 = 900.0;
const PANEL_HEIGHT: f64 = 200.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 170.0;
const TOP: f64 = 30.0;
const GAP: f64 = 50.0;
const COLOURS: &[&str] = &[
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
];

/// A number for an axis label: no more digits than it needs.
fn tick(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The panels stacked over one time axis (`x_label`), titled `title`.
pub fn svg(title: &str, x_label: &str, panels: &[Panel]) -> String {
    let height = TOP + panels.len() as f64 * (PANEL_HEIGHT + GAP) + 20.0;
    let plot_w = WIDTH - LEFT - RIGHT;
    let x_max = panels
        .iter()
        .flat_map(|p| p.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)))
        .fold(1.0f64, f64::max);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{LEFT}" y="18" font-size="14" font-weight="bold">{}</text>"#,
        escape(title)
    );
    for (k, panel) in panels.iter().enumerate() {
        let top = TOP + k as f64 * (PANEL_HEIGHT + GAP) + 10.0;
        let bottom = top + PANEL_HEIGHT;
        let y_max = panel
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .filter(|y| y.is_finite())
            .fold(0.0f64, f64::max)
            .max(1e-9)
            * 1.1;
        let x = |v: f64| LEFT + v / x_max * plot_w;
        let y = |v: f64| bottom - v / y_max * PANEL_HEIGHT;
        let _ = writeln!(
            out,
            r#"<text x="{LEFT}" y="{}" font-weight="bold">{} ({})</text>"#,
            top - 4.0,
            escape(&panel.title),
            escape(&panel.unit)
        );
        let _ = writeln!(
            out,
            r##"<rect x="{LEFT}" y="{top}" width="{plot_w}" height="{PANEL_HEIGHT}" fill="none" stroke="#999"/>"##
        );
        for i in 0..=4 {
            let v = y_max * i as f64 / 4.0;
            let yy = y(v);
            let _ = writeln!(
                out,
                r##"<line x1="{LEFT}" x2="{}" y1="{yy}" y2="{yy}" stroke="#eee"/><text x="{}" y="{}" text-anchor="end">{}</text>"##,
                LEFT + plot_w,
                LEFT - 6.0,
                yy + 4.0,
                tick(v),
            );
            let t = x_max * i as f64 / 4.0;
            let _ = writeln!(
                out,
                r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
                x(t),
                bottom + 15.0,
                tick(t)
            );
        }
        for (i, s) in panel.series.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let points: Vec<String> = s
                .points
                .iter()
                .filter(|p| p.1.is_finite())
                .map(|&(px, py)| format!("{:.1},{:.1}", x(px), y(py)))
                .collect();
            if !points.is_empty() {
                let _ = writeln!(
                    out,
                    r#"<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{}"/>"#,
                    points.join(" ")
                );
            }
            let ly = top + 14.0 + i as f64 * 16.0;
            let lx = LEFT + plot_w + 10.0;
            let _ = writeln!(
                out,
                r#"<line x1="{lx}" x2="{}" y1="{}" y2="{}" stroke="{colour}" stroke-width="3"/><text x="{}" y="{ly}">{}</text>"#,
                lx + 16.0,
                ly - 4.0,
                ly - 4.0,
                lx + 20.0,
                escape(&s.name)
            );
        }
    }
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        LEFT + plot_w / 2.0,
        height - 6.0,
        escape(x_label)
    );
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_each_series_as_a_line_with_its_legend() {
        let panel = Panel {
            title: "throughput".into(),
            unit: "articles/s".into(),
            series: vec![
                Series {
                    name: "enriched".into(),
                    points: vec![(0.0, 0.0), (10.0, 5.0), (20.0, f64::NAN), (30.0, 4.0)],
                },
                Series {
                    name: "a < b".into(),
                    points: vec![],
                },
            ],
        };
        let svg = svg("load", "seconds", &[panel]);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 1, "{svg}");
        // The NaN point is left out, the others drawn.
        let line = svg.lines().find(|l| l.contains("<polyline")).unwrap();
        assert_eq!(line.matches(',').count(), 3, "{line}");
        assert!(svg.contains("a &lt; b"));
        assert!(svg.contains("throughput (articles/s)"));
    }
}
