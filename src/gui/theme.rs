//! Design tokens: the one place for the colours that carry meaning across views.

use compound_atlas_core::map::markers::MarkerStrength;
use egui::Color32;

/// The colour of a strength, as the map and its images draw it.
pub const fn strength(strength: MarkerStrength) -> Color32 {
    let [r, g, b] = strength.colour();
    Color32::from_rgb(r, g, b)
}

/// IP + time matches: the stronger link.
pub const IP_TIME: Color32 = strength(MarkerStrength::IpTime);
/// IP-only matches.
pub const IP_ONLY: Color32 = strength(MarkerStrength::IpOnly);
/// Figures without a strength.
pub const NEUTRAL: Color32 = Color32::from_rgb(0x3a, 0x7c, 0xc2);
pub const ERROR: Color32 = Color32::from_rgb(0xd0, 0x30, 0x30);
pub const WARNING: Color32 = Color32::from_rgb(0xc0, 0x80, 0x10);

/// The smallest text drawn (card subtitles, digests, provenance): egui's small style is
/// about 9 px, too small to read on a laptop.
pub const SMALL_TEXT: f32 = 11.0;

/// Raise the small text style to [`SMALL_TEXT`] in both themes, once.
pub fn readable_small_text(ctx: &egui::Context) {
    let small = |style: &egui::Style| {
        style
            .text_styles
            .get(&egui::TextStyle::Small)
            .map_or(SMALL_TEXT, |f| f.size)
    };
    if small(&ctx.global_style()) < SMALL_TEXT {
        ctx.all_styles_mut(|style| {
            if let Some(font) = style.text_styles.get_mut(&egui::TextStyle::Small) {
                font.size = SMALL_TEXT;
            }
        });
    }
}
