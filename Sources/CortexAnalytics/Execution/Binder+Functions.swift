import CortexCore

extension Binder {
    mutating func bindAggregate(_ expression: Expression) throws(CortexError) -> BoundExpression {
        guard case .function(let name, let arguments, let distinct, let star, let position) = expression else {
            preconditionFailure("not a function call")
        }
        for argument in arguments where Self.containsAggregate(argument) {
            throw Self.error(argument.position, "aggregate functions cannot be nested")
        }
        let spec: AggregateSpec
        if star {
            guard name == "count" else { throw Self.error(position, "\(name)(*) is not supported; only count(*)") }
            spec = AggregateSpec(function: .countStar, argument: nil, fraction: 0, type: .bigint)
        } else {
            let expectedCount = ["quantile_disc", "quantile_cont", "quantile", "approx_quantile"].contains(name) ? 2 : 1
            guard arguments.count == expectedCount else {
                throw Self.error(position, "\(name) takes \(expectedCount) argument\(expectedCount == 1 ? "" : "s"); got \(arguments.count)")
            }
            let argument = try bind(arguments[0], post: false)
            var fraction = 0.5
            if expectedCount == 2 {
                let bound = try bind(arguments[1], post: false)
                switch bound {
                case .constant(.double(let value), _): fraction = value
                case .constant(.int(let value), _): fraction = Double(value)
                default: throw Self.error(arguments[1].position, "\(name) needs a constant fraction between 0 and 1")
                }
                guard fraction >= 0 && fraction <= 1 else {
                    throw Self.error(arguments[1].position, "\(name) needs a fraction between 0 and 1; got \(fraction)")
                }
            }
            let type = argument.type
            func numeric() throws(CortexError) {
                guard type.isNumeric || type == .timestamp || type == .boolean && name != "sum" && name != "avg" else {
                    throw Self.error(arguments[0].position, "\(name) needs a number; got \(type.name)")
                }
            }
            if distinct && name != "count" { throw Self.error(position, "DISTINCT is supported only in count(DISTINCT x)") }
            switch name {
            case "count": spec = AggregateSpec(function: distinct ? .countDistinct : .count, argument: argument, fraction: 0, type: .bigint)
            case "sum":
                try numeric()
                spec = AggregateSpec(function: .sum, argument: argument, fraction: 0, type: type == .double ? .double : .bigint)
            case "avg", "mean":
                try numeric()
                spec = AggregateSpec(function: .avg, argument: argument, fraction: 0, type: .double)
            case "min", "max":
                spec = AggregateSpec(function: name == "min" ? .min : .max, argument: argument, fraction: 0, type: type)
            case "quantile_disc", "quantile":
                try numeric()
                spec = AggregateSpec(function: .quantileDisc, argument: argument, fraction: fraction, type: type)
            case "quantile_cont", "median":
                try numeric()
                spec = AggregateSpec(function: .quantileCont, argument: argument, fraction: fraction, type: .double)
            case "approx_quantile":
                try numeric()
                spec = AggregateSpec(function: .approxQuantile, argument: argument, fraction: fraction, type: type)
            default:
                spec = AggregateSpec(function: .approxCountDistinct, argument: argument, fraction: 0, type: .bigint)
            }
        }
        if let existing = aggregates.firstIndex(of: spec) { return .aggregate(existing, spec.type) }
        aggregates.append(spec)
        return .aggregate(aggregates.count - 1, spec.type)
    }

    func bindFunction(_ name: String, _ arguments: [BoundExpression], _ position: SourcePosition) throws(CortexError) -> BoundExpression {
        func arity(_ range: ClosedRange<Int>) throws(CortexError) {
            guard range.contains(arguments.count) else {
                let expected = range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
                throw Self.error(position, "\(name) takes \(expected) argument\(range.upperBound == 1 ? "" : "s"); got \(arguments.count)")
            }
        }
        func time(_ index: Int) throws(CortexError) {
            let type = arguments[index].type
            guard type == .timestamp || type == .bigint || type == .integer || type == .null else {
                throw Self.error(position, "\(name) needs a timestamp (or epoch milliseconds); got \(type.name)")
            }
        }
        func constantText(_ index: Int) throws(CortexError) -> String {
            guard case .constant(.string(let text), _) = arguments[index] else {
                throw Self.error(position, "\(name) needs a constant text argument")
            }
            return text
        }
        switch name {
        case "epoch_ms":
            try arity(1...1)
            try time(0)
            return .function(.epochMilliseconds, arguments, arguments[0].type == .timestamp ? .bigint : .timestamp, position)
        case "to_timestamp":
            try arity(1...1)
            guard arguments[0].type.isNumeric else { throw Self.error(position, "to_timestamp needs seconds as a number") }
            return .function(.toTimestamp, arguments, .timestamp, position)
        case "strftime":
            try arity(2...2)
            try time(0)
            _ = try constantText(1)
            return .function(.strftime, arguments, .varchar, position)
        case "date_trunc":
            try arity(2...2)
            guard TimeFunctions.truncate(0, unit: try constantText(0).lowercased()) != nil else {
                throw Self.error(position, "date_trunc: unknown part '\(try constantText(0))'")
            }
            try time(1)
            return .function(.dateTrunc, arguments, .timestamp, position)
        case "date_part", "datepart", "extract":
            try arity(2...2)
            guard TimeFunctions.part(0, try constantText(0).lowercased()) != nil else {
                throw Self.error(position, "\(name): unknown part '\(try constantText(0))'")
            }
            try time(1)
            return .function(.datePart, arguments, .bigint, position)
        case "year", "quarter", "month", "day", "hour", "minute", "second", "dayofweek", "isodow", "dayofyear", "week":
            try arity(1...1)
            try time(0)
            return .function(.datePart, [.constant(.string(name), .varchar)] + arguments, .bigint, position)
        case "now", "current_timestamp", "get_current_timestamp":
            try arity(0...0)
            return .constant(.timestamp(now), .timestamp)
        case "abs", "floor", "ceil", "ceiling":
            try arity(1...1)
            guard arguments[0].type.isNumeric else { throw Self.error(position, "\(name) needs a number; got \(arguments[0].type.name)") }
            let function: ScalarFunction = name == "abs" ? .abs : name == "floor" ? .floor : .ceil
            return .function(function, arguments, arguments[0].type == .integer ? .bigint : arguments[0].type, position)
        case "round":
            try arity(1...2)
            guard arguments[0].type.isNumeric else { throw Self.error(position, "round needs a number; got \(arguments[0].type.name)") }
            if arguments.count == 2, case .constant(.int, _) = arguments[1] {} else if arguments.count == 2 {
                throw Self.error(position, "round needs a constant number of decimals")
            }
            return .function(.round, arguments, arguments[0].type == .integer ? .bigint : arguments[0].type, position)
        case "lower", "upper", "length":
            try arity(1...1)
            guard arguments[0].type == .varchar || arguments[0].type == .null else {
                throw Self.error(position, "\(name) needs text; got \(arguments[0].type.name)")
            }
            let function: ScalarFunction = name == "lower" ? .lower : name == "upper" ? .upper : .length
            return .function(function, arguments, name == "length" ? .bigint : .varchar, position)
        case "coalesce", "least", "greatest":
            try arity(1...64)
            let type = try Self.commonType(arguments.map(\.type).filter { $0 != .null }, position)
            let function: ScalarFunction = name == "coalesce" ? .coalesce : name == "least" ? .least : .greatest
            return .function(function, arguments, type, position)
        default:
            throw Self.error(position, "unknown function '\(name)'")
        }
    }
}
