import Foundation

/// A progress bar with rate and ETA on a terminal; one plain line per batch otherwise.
final class Progress {
    var total: Int?
    let unit: String
    let interactive: Bool
    let started = Date()

    /// Progress goes to standard error, so `--json` output on standard output stays clean.
    init(total: Int?, unit: String = "") {
        self.total = total
        self.unit = unit
        interactive = isatty(STDERR_FILENO) == 1
    }

    func update(done: Int, total: Int) {
        self.total = total
        update(done: done)
    }

    var elapsed: Double { Date().timeIntervalSince(started) }

    func update(done: Int) {
        let rate = Double(done) / max(elapsed, 1e-9)
        if interactive {
            var line = "\r"
            if let total, total > 0 {
                let fraction = Double(done) / Double(total)
                let filled = Int(fraction * 30)
                let eta = rate > 0 ? Double(total - done) / rate : 0
                line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "] "
                line += String(format: "%3.0f%% %d/%d  %.0f/s  ETA %.0fs ", fraction * 100, done, total, rate, eta)
            } else {
                line += String(format: "%d  %.0f/s ", done, rate)
            }
            FileHandle.standardError.write(Data(line.utf8))
        } else {
            // Plain lines for logs and scripts; each one follows a committed transaction.
            FileHandle.standardError.write(Data("loaded \(done)\(total.map { "/\($0)" } ?? "")\(unit.isEmpty ? "" : " " + unit) (\(Int(rate))/s)\n".utf8))
        }
    }

    func finish() {
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
