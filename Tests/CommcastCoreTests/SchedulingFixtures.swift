import CommcastCore
import Foundation

/// The station calendar in tests: Asia/Ho_Chi_Minh, like the default configuration.
let station: Calendar = {
    var c = Calendar(identifier: .gregorian)
    c.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    return c
}()

/// A local wall-clock instant in the station time zone.
func local(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0) -> Date {
    station.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi))!
}

func tod(_ s: String) -> TimeOfDay { try! TimeOfDay(parsing: s) }
