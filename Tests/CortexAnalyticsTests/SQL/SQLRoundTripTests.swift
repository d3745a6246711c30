import CortexAnalytics
import CortexCore
import CortexTesting
import Testing

/// Property: printing a random expression tree and parsing the text gives the same tree.
@Suite struct SQLRoundTripTests {
    private struct TreeGenerator {
        var random: SeededGenerator
        let position = zeroPosition

        mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }

        mutating func leaf() -> Expression {
            switch Int.random(in: 0..<8, using: &random) {
            case 0: return .literal(.integer(Int64.random(in: 0...Int64.max, using: &random)), position)
            case 1: return .literal(.float(pick([0.5, 1.0, 1e-7, 123.25, 6.02e23, 0.0])), position)
            case 2: return .literal(.string(pick(["", "it's", "héllo ✓", "a''b", "--x", "/*"])), position)
            case 3: return .literal(pick([.boolean(true), .boolean(false), .null]), position)
            case 4: return .parameter(name: pick(["tenant", "now_ms", "P1"]), position)
            case 5: return .column(name: pick(["ts", "Mixed", "order", "a b"]), qualifier: pick([nil, "e", "Q"]), position)
            case 6: return .function(name: "count", arguments: [], isDistinct: false, isStar: true, position)
            default: return .function(name: "now", arguments: [], isDistinct: false, isStar: false, position)
            }
        }

        mutating func tree(depth: Int) -> Expression {
            guard depth > 0, Int.random(in: 0..<5, using: &random) > 0 else { return leaf() }
            let d = depth - 1
            switch Int.random(in: 0..<11, using: &random) {
            case 0: return .unary(pick([.negate, .plus, .not]), tree(depth: d), position)
            case 1, 2:
                let ops: [BinaryOperator] = [
                    .add, .subtract, .multiply, .divide, .integerDivide, .modulo, .equal, .notEqual, .less, .lessOrEqual,
                    .greater, .greaterOrEqual, .and, .or, .concatenate,
                ]
                return .binary(pick(ops), tree(depth: d), tree(depth: d), position)
            case 3:
                let arguments = (0..<Int.random(in: 1...3, using: &random)).map { _ in tree(depth: d) }
                return .function(name: pick(["sum", "strftime", "coalesce"]), arguments: arguments, isDistinct: pick([true, false]), isStar: false, position)
            case 4:
                let branches = (0..<Int.random(in: 1...2, using: &random)).map { _ in WhenClause(condition: tree(depth: d), result: tree(depth: d)) }
                return .caseWhen(operand: pick([nil, tree(depth: d)]), branches: branches, elseResult: pick([nil, tree(depth: d)]), position)
            case 5: return .between(tree(depth: d), low: tree(depth: d), high: tree(depth: d), isNegated: pick([true, false]), position)
            case 6: return .inList(tree(depth: d), [tree(depth: d), tree(depth: d)], isNegated: pick([true, false]), position)
            case 7: return .isNull(tree(depth: d), isNegated: pick([true, false]), position)
            case 8:
                return .like(tree(depth: d), pattern: tree(depth: d), isNegated: pick([true, false]), isCaseInsensitive: pick([true, false]), position)
            case 9: return .cast(tree(depth: d), TypeName(name: pick(["bigint", "double", "varchar"]), position: position), position)
            default:
                let amount: Expression = pick([true, false]) ? .literal(.integer(Int64.random(in: -100...100, using: &random)), position) : tree(depth: d)
                return .interval(amount, unit: pick(["millisecond", "hour", "day", "year"]), position)
            }
        }
    }

    @Test func printedExpressionsParseBackToTheSameTree() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = TreeGenerator(random: SeededGenerator(seed: seed))
        for iteration in 0..<500 {
            let tree = generator.tree(depth: 5)
            let text = tree.sqlText
            let parsed = try parseExpression(text)
            #expect(stripped(parsed) == tree, "seed \(seed), iteration \(iteration): \(text) re-parsed as \(parsed.sqlText)")
            if stripped(parsed) != tree { return }
        }
    }
}
