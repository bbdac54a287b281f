//! Design tokens: the one place for the colours that carry meaning across views.

use egui::Color32;

/// IP + time matches: the stronger link.
pub const IP_TIME: Color32 = Color32::from_rgb(0xd9, 0x48, 0x2b);
/// IP-only matches.
pub const IP_ONLY: Color32 = Color32::from_rgb(0xe0, 0x9a, 0x1f);
/// Figures without a strength.
pub const NEUTRAL: Color32 = Color32::from_rgb(0x3a, 0x7c, 0xc2);
pub const ERROR: Color32 = Color32::from_rgb(0xd0, 0x30, 0x30);
pub const WARNING: Color32 = Color32::from_rgb(0xc0, 0x80, 0x10);
