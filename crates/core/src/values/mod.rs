//! The values everything else is made of: addresses, times, ports and flags, text for
//! people, progress and cancellation, spreadsheet-safe CSV and files written atomically. Nothing here knows of
//! reports or locations.

pub mod address;
pub mod atomic;
pub mod bytes;
pub mod progress;
pub mod safe_csv;
pub mod scalars;
pub mod text;
pub mod time;
