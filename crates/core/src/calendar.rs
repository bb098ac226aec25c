//! Calendar arithmetic without a date crate and without the wall clock: whole minutes (or
//! seconds) counted from 1970-01-01 00:00 in the proleptic Gregorian calendar, local wall-clock
//! values with no zone, as agent_db.py writes them. Used by the dashboard (days, weeks, labels)
//! and by the demo generator (`flagdeck-demo`).

pub const MINUTES_PER_DAY: i64 = 24 * 60;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day of the week, 0 = Monday … 6 = Sunday.
pub fn weekday(days: i64) -> u32 {
    (days + 3).rem_euclid(7) as u32 // 1970-01-01 was a Thursday
}

fn push_2(out: &mut String, n: u32) {
    out.push((b'0' + (n / 10) as u8) as char);
    out.push((b'0' + (n % 10) as u8) as char);
}

/// Appends `YYYY-MM-DD` of a day number.
pub fn push_date(out: &mut String, days: i64) {
    let (y, m, d) = civil_from_days(days);
    let y = y as u32;
    push_2(out, y / 100);
    push_2(out, y % 100);
    out.push('-');
    push_2(out, m);
    out.push('-');
    push_2(out, d);
}

/// Appends `YYYY-MM-DD HH:MM` (agent_db.py's format).
pub fn push_minute(out: &mut String, minutes: i64) {
    push_date(out, minutes.div_euclid(MINUTES_PER_DAY));
    let mod_day = minutes.rem_euclid(MINUTES_PER_DAY) as u32;
    out.push(' ');
    push_2(out, mod_day / 60);
    out.push(':');
    push_2(out, mod_day % 60);
}

/// Appends `YYYY-MM-DD HH:MM:SS` (the tool-log format).
pub fn push_second(out: &mut String, seconds: i64) {
    push_minute(out, seconds.div_euclid(60));
    out.push(':');
    push_2(out, seconds.rem_euclid(60) as u32);
}

pub fn minute_text(minutes: i64) -> String {
    let mut s = String::with_capacity(16);
    push_minute(&mut s, minutes);
    s
}

pub fn second_text(seconds: i64) -> String {
    let mut s = String::with_capacity(19);
    push_second(&mut s, seconds);
    s
}

/// `YYYY-MM-DD` of the day a minute falls in.
pub fn date_text(minutes: i64) -> String {
    let mut s = String::with_capacity(10);
    push_date(&mut s, minutes.div_euclid(MINUTES_PER_DAY));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(weekday(0), 3);
        for z in -800_000..800_000 {
            if z % 997 == 0 {
                let (y, m, d) = civil_from_days(z);
                assert_eq!(days_from_civil(y, m, d), z);
            }
        }
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }

    #[test]
    fn texts_in_the_tools_formats() {
        let start = days_from_civil(2026, 7, 13) * MINUTES_PER_DAY;
        assert_eq!(minute_text(start), "2026-07-13 00:00");
        assert_eq!(second_text(start * 60 + 3_723), "2026-07-13 01:02:03");
        assert_eq!(date_text(start + 1439), "2026-07-13");
    }
}
