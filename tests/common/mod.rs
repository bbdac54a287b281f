//! What the GUI tests share: a click where a mouse would make it.

use compound_atlas::gui::WorkbenchApp;
use egui_kittest::Harness;

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
