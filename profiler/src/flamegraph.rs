//! Flamegraphs drawn by inferno from folded stacks: frames coloured by tier (a legend
//! in the title), `[gc]` and `[compiler]` in their own colours; and the differential
//! flamegraph between two profiles.

use crate::stacks::{parse_frame, Folded, FrameKind};
use inferno::flamegraph::color::{Color, PaletteMap};
use inferno::flamegraph::{self, Options};

/// Base colour of each kind of frame, and its name in the legend.
pub fn kind_colour(kind: FrameKind) -> (Color, &'static str) {
    let rgb = |r, g, b| Color { r, g, b };
    match kind {
        FrameKind::Tier(0) => (rgb(235, 140, 50), "orange"),
        FrameKind::Tier(1) => (rgb(70, 130, 220), "blue"),
        FrameKind::Tier(2) => (rgb(60, 170, 80), "green"),
        FrameKind::Tier(_) => (rgb(200, 180, 40), "yellow"),
        FrameKind::Gc => (rgb(150, 150, 150), "grey"),
        FrameKind::Compiler => (rgb(160, 90, 200), "purple"),
        FrameKind::Runtime => (rgb(40, 170, 170), "teal"),
        FrameKind::Other => (rgb(215, 215, 200), "pale"),
    }
}

/// The frame's colour: its kind's, lightened a little by a hash of its name so that
/// neighbouring frames of the same tier stay distinguishable.
fn frame_colour(frame: &str) -> Color {
    let (base, _) = kind_colour(parse_frame(frame).1);
    let hash = frame.bytes().fold(2166136261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16777619)
    });
    let lift = (hash % 40) as u8;
    let up = |c: u8| c.saturating_add(lift / 2);
    Color {
        r: up(base.r),
        g: up(base.g),
        b: up(base.b),
    }
}

/// The legend for the kinds present.
pub fn legend(folded: &Folded) -> String {
    let mut kinds: Vec<FrameKind> = folded
        .iter()
        .flat_map(|(frames, _)| {
            frames
                .into_iter()
                .map(|f| parse_frame(f).1)
                .collect::<Vec<_>>()
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    let parts: Vec<String> = kinds
        .into_iter()
        .map(|k| format!("{} = {}", k.name(), kind_colour(k).1))
        .collect();
    parts.join(", ")
}

/// Draws the tier-coloured flamegraph of `folded`.
pub fn tier_flamegraph(folded: &Folded, title: &str, subtitle: &str) -> std::io::Result<Vec<u8>> {
    let mut palette = PaletteMap::default();
    // inferno's root frame.
    palette.insert("all", kind_colour(FrameKind::Other).0);
    for (frames, _) in folded.iter() {
        for f in frames {
            palette.insert(f, frame_colour(f));
        }
    }
    let mut options = Options::default();
    options.title = format!("{title} (colours: {})", legend(folded));
    options.subtitle = Some(subtitle.to_string());
    options.count_name = "samples".into();
    options.palette_map = Some(&mut palette);
    options.deterministic = true;
    widen_to_fit_titles(&mut options);
    render(folded.to_text(), &mut options)
}

/// Default width of inferno's image, pixels.
pub const IMAGE_WIDTH: usize = 1200;

/// Pixels a line of `text` takes at `font_px` (inferno's own estimate: `font_width`
/// of the font size per character).
pub fn text_width(text: &str, font_px: usize, font_width: f64) -> f64 {
    text.chars().count() as f64 * font_px as f64 * font_width
}

/// inferno centres the title and subtitle and clips them at the image's edges: make
/// the image wide enough for both (the title is 5 px larger than the font).
fn widen_to_fit_titles(options: &mut Options<'_>) {
    let title = text_width(&options.title, options.font_size + 5, options.font_width);
    let subtitle = options.subtitle.as_deref().map_or(0.0, |s| {
        text_width(s, options.font_size, options.font_width)
    });
    let needed = title.max(subtitle).ceil() as usize + 4 * options.font_size;
    options.image_width = Some(needed.max(IMAGE_WIDTH));
}

fn render(text: String, options: &mut Options<'_>) -> std::io::Result<Vec<u8>> {
    let mut svg = Vec::new();
    if text.is_empty() {
        // inferno refuses empty input; an empty profile still gets a (blank) graph.
        options.subtitle = Some("no samples".into());
        flamegraph::from_lines(options, std::iter::once("[no samples] 1"), &mut svg)?;
    } else {
        flamegraph::from_lines(options, text.lines(), &mut svg)?;
    }
    Ok(svg)
}

/// The differential folded text (`stack before after`) of two profiles, the before
/// counts scaled to the after profile's total (so colours follow shares, as the diff
/// table does, not raw counts).
pub fn differential_folded(before: &Folded, after: &Folded) -> std::io::Result<String> {
    let mut out = Vec::new();
    let options = inferno::differential::Options {
        normalize: true,
        ..Default::default()
    };
    inferno::differential::from_readers(
        options,
        before.to_text().as_bytes(),
        after.to_text().as_bytes(),
        &mut out,
    )?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The differential flamegraph: the after profile's shape, red where a frame's share
/// grew, blue where it shrank.
pub fn differential_flamegraph(
    diff_folded: &str,
    title: &str,
    subtitle: &str,
) -> std::io::Result<Vec<u8>> {
    let mut options = Options::default();
    options.title = title.to_string();
    options.subtitle = Some(subtitle.to_string());
    options.count_name = "samples".into();
    options.deterministic = true;
    widen_to_fit_titles(&mut options);
    render(diff_folded.to_string(), &mut options)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `width` attribute of an SVG's root element.
    fn svg_width(svg: &[u8]) -> f64 {
        let text = String::from_utf8_lossy(svg);
        let root = &text[text.find("<svg").unwrap()..];
        let at = root.find(" width=\"").unwrap() + 8;
        root[at..].split('"').next().unwrap().parse().unwrap()
    }

    #[test]
    fn a_long_title_widens_the_image_instead_of_being_cut() {
        let folded = Folded::parse("Havlak>>run [tier 0];[compiler] 3\n[gc] 1\n[vm] 1\n").unwrap();
        let short = tier_flamegraph(&folded, "som-prof: A.som", "x").unwrap();
        assert_eq!(svg_width(&short), IMAGE_WIDTH as f64);
        let title = "som-prof: Harness.som Havlak 10 1500 with a long argument list";
        let svg = tier_flamegraph(&folded, title, "time mode").unwrap();
        let full = format!("{title} (colours: {})", legend(&folded));
        let options = Options::default();
        let needed = text_width(&full, options.font_size + 5, options.font_width);
        assert!(svg_width(&svg) >= needed, "{} < {needed}", svg_width(&svg));
    }
}
