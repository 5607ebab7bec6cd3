//! `som-regress history --svg`: one metric of one benchmark over the commits of the
//! history (per-commit median with the range of its samples), each detected change point
//! marked by a vertical line and its relative change, the segment levels drawn as steps.
//! Drawn with plotters' SVG backend.

use crate::changepoints::ChangePoint;
use plotters::prelude::*;

/// One commit of the chart: short sha, median and sample range.
#[derive(Debug, Clone)]
pub struct Point {
    pub label: String,
    pub median: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("nothing to draw: the history has no values of {0}")]
    Empty(String),
    #[error("drawing the chart failed: {0}")]
    Draw(String),
}

fn draw_err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Draw(e.to_string())
}

/// The SVG text of the chart titled `title` with y axis `unit`.
pub fn render(
    title: &str,
    unit: &str,
    points: &[Point],
    changes: &[ChangePoint],
) -> Result<String, ChartError> {
    if points.is_empty() {
        return Err(ChartError::Empty(title.to_string()));
    }
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.low), b.max(p.high))
        });
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.01).max(1e-9);
    let n = points.len();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), (lo - pad)..(hi + pad))
            .map_err(draw_err)?;
        let label_of = |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                points[i as usize].label.clone()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_labels(n.min(12))
            .x_label_formatter(&label_of)
            .x_desc("commit (measurement order)")
            .y_desc(unit)
            .y_label_formatter(&|v| format_value(*v))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(draw_err)?;
        draw_segments(&mut chart, points, changes)?;
        let blue = RGBColor(31, 119, 180);
        chart
            .draw_series(points.iter().enumerate().map(|(i, p)| {
                PathElement::new(vec![(i as f64, p.low), (i as f64, p.high)], blue.mix(0.5))
            }))
            .map_err(draw_err)?;
        chart
            .draw_series(LineSeries::new(
                points.iter().enumerate().map(|(i, p)| (i as f64, p.median)),
                blue.mix(0.6),
            ))
            .map_err(draw_err)?
            .label("median per commit (bar: sample range)")
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, blue.filled()));
        chart
            .draw_series(
                points
                    .iter()
                    .enumerate()
                    .map(|(i, p)| Circle::new((i as f64, p.median), 3, blue.filled())),
            )
            .map_err(draw_err)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Segment levels as steps, and a labelled vertical line at each change point.
fn draw_segments(
    chart: &mut Chart,
    points: &[Point],
    changes: &[ChangePoint],
) -> Result<(), ChartError> {
    let n = points.len();
    let mut starts: Vec<usize> = vec![0];
    starts.extend(changes.iter().map(|c| c.index).filter(|&i| i > 0 && i < n));
    let level_colour = RGBColor(255, 127, 14);
    for (k, &s) in starts.iter().enumerate() {
        let e = starts.get(k + 1).copied().unwrap_or(n);
        let mut medians: Vec<f64> = points[s..e].iter().map(|p| p.median).collect();
        medians.sort_by(f64::total_cmp);
        let level = medians[medians.len() / 2];
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(s as f64 - 0.4, level), (e as f64 - 0.6, level)],
                level_colour.stroke_width(2),
            )))
            .map_err(draw_err)?;
    }
    let (y0, y1) = {
        let r = chart.y_range();
        (r.start, r.end)
    };
    for c in changes {
        let red = if c.change > 0.0 {
            RGBColor(214, 39, 40)
        } else {
            RGBColor(23, 140, 60)
        };
        let x = c.index as f64 - 0.5;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x, y0), (x, y1)],
                red.stroke_width(2),
            )))
            .map_err(draw_err)?;
        let text = format!(
            "{:+.1}% at {}",
            c.change * 100.0,
            &c.sha[..8.min(c.sha.len())]
        );
        chart
            .draw_series(std::iter::once(Text::new(
                text,
                (x + 0.1, y1 - (y1 - y0) * 0.04),
                ("sans-serif", 14).into_font().color(&red),
            )))
            .map_err(draw_err)?;
    }
    Ok(())
}

fn format_value(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.2}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Direction;

    #[test]
    fn the_chart_has_the_title_the_points_and_a_line_per_change_point() {
        let points: Vec<Point> = (0..10)
            .map(|i| {
                let m = if i < 6 { 100.0 } else { 130.0 };
                Point {
                    label: format!("c{i}"),
                    median: m,
                    low: m - 2.0,
                    high: m + 2.0,
                }
            })
            .collect();
        let cp = ChangePoint {
            index: 6,
            sha: "abcdef0123".into(),
            before: 100.0,
            after: 130.0,
            change: 0.3,
            direction: Direction::Regression,
            method: "test".into(),
        };
        let svg = render("Fib wall_us", "µs", &points, &[cp]).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        assert!(svg.contains("Fib wall_us"));
        assert!(svg.contains("+30.0% at abcdef01"));
        assert_eq!(
            svg.matches("<circle").count(),
            10 + 1,
            "10 points and the legend"
        );
        assert!(matches!(
            render("x", "u", &[], &[]),
            Err(ChartError::Empty(_))
        ));
    }
}
