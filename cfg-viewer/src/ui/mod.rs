//! The egui window: the method browser on the left, then for the open method the source,
//! the CFG canvas and the code columns side by side (tier-0 bytecode, tier-1 machine
//! code), and the details (the JIT's summary, the selection's markers and inline-cache
//! contents) below. `App::draw` is the whole UI for one frame, so UI tests
//! drive it without a window; `run` opens the real one.

mod graph;
mod panes;
mod screenshot;
pub mod state;

use crate::model::HeatScale;
use egui::{CentralPanel, Panel, Ui};
use screenshot::Shot;
pub use state::Inspector;
use std::path::PathBuf;
use std::time::Instant;

/// The inspector window's application.
pub struct App {
    pub ins: Inspector,
    shot: Option<Shot>,
}

impl App {
    pub fn new(ins: Inspector) -> App {
        App { ins, shot: None }
    }

    /// Draws one frame of the whole UI and applies what the user did.
    pub fn draw(&mut self, ui: &mut Ui) {
        let started = Instant::now();
        Panel::top("bar").show(ui, |ui| self.top_bar(ui));
        Panel::left("browser")
            .resizable(true)
            .default_size(220.0)
            .show(ui, |ui| {
                if let Some(key) = panes::browser(ui, &mut self.ins) {
                    self.ins.open(key);
                }
            });
        let Some(open) = self.ins.open.as_mut() else {
            CentralPanel::default().show(ui, |ui| {
                ui.label("Choose a method on the left.");
            });
            return;
        };
        let (mut pick, mut nested) = (None, None);
        Panel::bottom("details")
            .resizable(true)
            .default_size(110.0)
            .show(ui, |ui| nested = panes::details(ui, open));
        Panel::left("source")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| pick = pick.or(panes::source(ui, open)));
        Panel::right("code")
            .resizable(true)
            .default_size(640.0)
            .show(ui, |ui| pick = pick.or(panes::code_columns(ui, open)));
        CentralPanel::default().show(ui, |ui| pick = pick.or(graph::canvas(ui, open)));
        if let Some(p) = pick {
            self.ins.pick(p);
        }
        if let Some(key) = nested {
            self.ins.open(key);
        }
        self.ins.frames.push(started.elapsed());
    }

    fn top_bar(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            let p = &self.ins.program;
            ui.strong(p.file.display().to_string());
            ui.label(format!("exit {}", p.exit.status));
            if let Some(open) = &self.ins.open {
                ui.separator();
                ui.strong(&open.model.code.label);
                let m = &open.model;
                ui.label(format!(
                    "{} bytecodes, {} blocks, {} loops, {} edge crossings in the drawing",
                    m.code.bytecodes.len(),
                    m.cfg.len(),
                    m.cfg.loops.len(),
                    m.layout.crossings
                ));
            }
            ui.separator();
            ui.label("heat scale:");
            let mut scale = self.ins.scale;
            for s in [HeatScale::Program, HeatScale::Method] {
                ui.radio_value(&mut scale, s, s.name());
            }
            if scale != self.ins.scale {
                self.ins.set_scale(scale);
            }
            ui.separator();
            let f = &self.ins.frames;
            ui.label(format!(
                "ui {:.2} ms (max {:.2})",
                f.mean().as_secs_f64() * 1e3,
                f.max().as_secs_f64() * 1e3
            ));
            if !self.ins.message.is_empty() {
                ui.colored_label(egui::Color32::RED, &self.ins.message);
            }
        });
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut Ui, frame: &mut eframe::Frame) {
        self.draw(ui);
        if let Some(shot) = self.shot.as_mut() {
            shot.frame(ui.ctx(), frame, &self.ins.frames);
        }
    }
}

/// Opens the window (and with `screenshot`, saves the viewport there and exits).
pub fn run(ins: Inspector, screenshot: Option<PathBuf>) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1600.0, 1000.0])
            .with_title("som-inspect"),
        ..Default::default()
    };
    let mut app = App::new(ins);
    app.shot = screenshot.map(Shot::new);
    eframe::run_native("som-inspect", options, Box::new(move |_| Ok(Box::new(app))))
        .map_err(|e| anyhow::anyhow!("the window failed: {e}"))
}
