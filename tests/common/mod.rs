//! What the GUI tests share: the workbench on the sample data, and a click where a
//! mouse would make it.

// Each test binary uses part of this.
#![allow(dead_code)]

use compound_atlas::gui::WorkbenchApp;
use compound_atlas::gui::workspace::{Params, Workspace, embedded_inputs};
use egui_kittest::Harness;

/// The workbench on the built-in sample at 1400 × 900, with `step` seconds a frame.
pub fn sample_harness(step: f32) -> Harness<'static, WorkbenchApp> {
    let workspace = Workspace::load_blocking(embedded_inputs(), Params::default()).unwrap();
    Harness::builder()
        .with_size([1400.0, 900.0])
        .with_step_dt(step)
        .build_ui_state(
            |ui, app: &mut WorkbenchApp| app.frame(ui),
            WorkbenchApp::new(workspace),
        )
}

/// Press and release at `pos` with `modifiers` held (in the input state too, where
/// views read them).
pub fn click_at(
    harness: &mut Harness<'static, WorkbenchApp>,
    pos: egui::Pos2,
    modifiers: egui::Modifiers,
) {
    harness.event(egui::Event::ModifiersChanged(modifiers));
    harness.event(egui::Event::PointerMoved(pos));
    harness.run_steps(1);
    for pressed in [true, false] {
        harness.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers,
        });
    }
    harness.run_steps(2);
    harness.event(egui::Event::ModifiersChanged(egui::Modifiers::NONE));
    harness.run_steps(1);
}
