//! `--screenshot PATH`: render a number of frames (measuring them), ask the integration
//! for the viewport's pixels, write them as PNG, report the frame times, and close.

use super::state::FrameTimes;
use egui::ColorImage;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Frames rendered before the screenshot (their times are reported).
const WARM_FRAMES: u64 = 30;

/// A pending screenshot.
pub(super) struct Shot {
    path: PathBuf,
    frames: u64,
    image: Arc<Mutex<Option<Arc<ColorImage>>>>,
    requested: bool,
    cpu: Vec<f32>,
}

impl Shot {
    pub fn new(path: PathBuf) -> Shot {
        Shot {
            path,
            frames: 0,
            image: Arc::default(),
            requested: false,
            cpu: Vec::new(),
        }
    }

    /// Called after every frame.
    pub fn frame(&mut self, ctx: &egui::Context, frame: &eframe::Frame, ui_times: &FrameTimes) {
        self.frames += 1;
        if let Some(cpu) = frame.info().cpu_usage {
            self.cpu.push(cpu);
        }
        ctx.request_repaint();
        if self.frames == WARM_FRAMES && !self.requested {
            self.requested = true;
            let slot = self.image.clone();
            ctx.request_screenshot(move |img| *slot.lock().expect("screenshot slot") = Some(img));
        }
        let taken = self.image.lock().expect("screenshot slot").take();
        if let Some(img) = taken {
            match write_png(&self.path, &img) {
                Ok(()) => eprintln!(
                    "som-inspect: screenshot {} ({}x{})",
                    self.path.display(),
                    img.size[0],
                    img.size[1]
                ),
                Err(e) => eprintln!("som-inspect: writing {}: {e}", self.path.display()),
            }
            self.report(ui_times);
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn report(&self, ui_times: &FrameTimes) {
        let n = self.cpu.len().max(1) as f32;
        let mean = self.cpu.iter().sum::<f32>() / n;
        let max = self.cpu.iter().copied().fold(0.0, f32::max);
        eprintln!(
            "som-inspect: {} frames; ui build mean {:.2} ms max {:.2} ms; whole frame (eframe cpu_usage) mean {:.2} ms max {:.2} ms",
            ui_times.len(),
            ui_times.mean().as_secs_f64() * 1e3,
            ui_times.max().as_secs_f64() * 1e3,
            mean * 1e3,
            max * 1e3
        );
    }
}

/// Writes an RGBA PNG.
pub(crate) fn write_png(path: &std::path::Path, img: &ColorImage) -> anyhow::Result<()> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut enc = png::Encoder::new(file, img.size[0] as u32, img.size[1] as u32);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header()?;
    let bytes: Vec<u8> = img
        .pixels
        .iter()
        .flat_map(|c| c.to_srgba_unmultiplied())
        .collect();
    w.write_image_data(&bytes)?;
    Ok(())
}
