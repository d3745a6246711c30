/// Calendar arithmetic on epoch milliseconds (UTC, proleptic Gregorian).
/// Day/date conversions follow Howard Hinnant's "chrono-Compatible Low-Level
/// Date Algorithms".
enum TimeFunctions {
    static let millisecondsPerDay: Int64 = 86_400_000

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    /// (year, month 1–12, day 1–31) of a day number (days since 1970-01-01).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        CivilTime.daysFromCivil(year: year, month: month, day: day)
    }

    static func isLeap(_ year: Int64) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(year: Int64, month: Int64) -> Int64 {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Int(month - 1)]
    }

    /// Adds whole months, clamping the day to the target month's length (DuckDB's rule).
    static func addMonths(_ milliseconds: Int64, _ months: Int64) -> Int64 {
        let day = floorDivide(milliseconds, millisecondsPerDay)
        let within = milliseconds - day * millisecondsPerDay
        let (year, month, dayOfMonth) = civil(fromDays: day)
        let total = year * 12 + (month - 1) + months
        let newYear = floorDivide(total, 12), newMonth = total - newYear * 12 + 1
        let newDay = min(dayOfMonth, daysIn(year: newYear, month: newMonth))
        return days(year: newYear, month: newMonth, day: newDay) * millisecondsPerDay + within
    }

    /// Truncates to the start of `unit`: second, minute, hour, day, week (ISO, Monday), month, quarter, year.
    static func truncate(_ milliseconds: Int64, unit: String) -> Int64? {
        switch unit {
        case "millisecond", "milliseconds": return milliseconds
        case "second", "seconds": return floorDivide(milliseconds, 1000) * 1000
        case "minute", "minutes": return floorDivide(milliseconds, 60_000) * 60_000
        case "hour", "hours": return floorDivide(milliseconds, 3_600_000) * 3_600_000
        case "day", "days": return floorDivide(milliseconds, millisecondsPerDay) * millisecondsPerDay
        case "week", "weeks":
            // 1970-01-01 was a Thursday; Monday-based weeks start 3 days earlier.
            let day = floorDivide(milliseconds, millisecondsPerDay)
            return (day - ((day + 3) % 7 + 7) % 7) * millisecondsPerDay
        case "month", "months", "quarter", "quarters", "year", "years":
            let (year, month, _) = civil(fromDays: floorDivide(milliseconds, millisecondsPerDay))
            let firstMonth = unit.hasPrefix("month") ? month : unit.hasPrefix("quarter") ? (month - 1) / 3 * 3 + 1 : 1
            return days(year: year, month: firstMonth, day: 1) * millisecondsPerDay
        default: return nil
        }
    }

    /// A calendar field: year, quarter, month, day, hour, minute, second, millisecond,
    /// dayofweek (Sunday = 0), isodow (Monday = 1), dayofyear, week (ISO), epoch (seconds).
    static func part(_ milliseconds: Int64, _ name: String) -> Int64? {
        let day = floorDivide(milliseconds, millisecondsPerDay)
        let within = milliseconds - day * millisecondsPerDay
        let (year, month, dayOfMonth) = civil(fromDays: day)
        switch name {
        case "year", "years": return year
        case "quarter": return (month - 1) / 3 + 1
        case "month", "months": return month
        case "day", "days": return dayOfMonth
        case "hour", "hours": return within / 3_600_000
        case "minute", "minutes": return within / 60_000 % 60
        case "second", "seconds": return within / 1000 % 60
        case "millisecond", "milliseconds": return within % 60_000
        case "dayofweek", "dow": return ((day + 4) % 7 + 7) % 7
        case "isodow": return ((day + 3) % 7 + 7) % 7 + 1
        case "dayofyear", "doy": return day - days(year: year, month: 1, day: 1) + 1
        case "epoch": return floorDivide(milliseconds, 1000)
        case "week", "weeks":
            let monday = day - ((day + 3) % 7 + 7) % 7
            let thursday = monday + 3
            let (isoYear, _, _) = civil(fromDays: thursday)
            return (thursday - days(year: isoYear, month: 1, day: 1)) / 7 + 1
        default: return nil
        }
    }

    private static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let text = String(abs(value))
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// strftime: %Y %m %d %H %M %S %f (microseconds) %j %a %A %b %B %y %e %p %I %u %w %%;
    /// other characters are copied.
    static func format(milliseconds: Int64, pattern: String, fractionWhenNonZero: Bool = false) -> String {
        let day = floorDivide(milliseconds, millisecondsPerDay)
        let within = milliseconds - day * millisecondsPerDay
        let (year, month, dayOfMonth) = civil(fromDays: day)
        let hour = within / 3_600_000, minute = within / 60_000 % 60, second = within / 1000 % 60
        let weekday = Int(((day + 4) % 7 + 7) % 7)
        var output = ""
        var iterator = pattern.makeIterator()
        while let character = iterator.next() {
            guard character == "%", let code = iterator.next() else {
                output.append(character)
                continue
            }
            switch code {
            case "Y": output += padded(year, 4)
            case "y": output += padded(year % 100, 2)
            case "m": output += padded(month, 2)
            case "d": output += padded(dayOfMonth, 2)
            case "e": output += String(dayOfMonth)
            case "H": output += padded(hour, 2)
            case "I": output += padded(hour % 12 == 0 ? 12 : hour % 12, 2)
            case "p": output += hour < 12 ? "AM" : "PM"
            case "M": output += padded(minute, 2)
            case "S": output += padded(second, 2)
            case "f": output += padded(within % 1000 * 1000, 6)
            case "j": output += padded(day - days(year: year, month: 1, day: 1) + 1, 3)
            case "a": output += String(weekdays[weekday].prefix(3))
            case "A": output += weekdays[weekday]
            case "b": output += String(months[Int(month - 1)].prefix(3))
            case "B": output += months[Int(month - 1)]
            case "u": output += String(weekday == 0 ? 7 : weekday)
            case "w": output += String(weekday)
            case "%": output += "%"
            default: output += "%" + String(code)
            }
        }
        if fractionWhenNonZero, within % 1000 != 0 { output += "." + padded(within % 1000, 3) }
        return output
    }

    /// Whether `pattern`'s output depends only on the calendar day (no time-of-day fields).
    static func isDayGranular(_ pattern: String) -> Bool {
        var iterator = pattern.makeIterator()
        while let character = iterator.next() {
            if character == "%", let code = iterator.next(), "HIpMSf".contains(code) { return false }
        }
        return true
    }
}
