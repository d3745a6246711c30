import CortexCore

extension SQLParserState {
    /// `CREATE TABLE [IF NOT EXISTS] name (col type [NOT NULL | NULL], …) [WITH (key = value, …)]`.
    mutating func parseCreateTable() throws(CortexError) -> CreateTableStatement {
        let start = current.position
        try expect(word: "create")
        guard accept(word: "table") else { throw expected("TABLE") }
        var ifNotExists = false
        if accept(word: "if") {
            try expect(word: "not")
            guard accept(word: "exists") else { throw expected("EXISTS") }
            ifNotExists = true
        }
        let name = try parseName("a table name")
        try expect(symbol: "(")
        var columns = [try parseColumnDefinition()]
        while accept(symbol: ",") { columns.append(try parseColumnDefinition()) }
        try expect(symbol: ")")
        var options: [String: String] = [:]
        if accept(word: "with") {
            try expect(symbol: "(")
            repeat {
                let keyToken = current
                let key = try parseName("an option name").lowercased()
                guard options[key] == nil else { throw .invalidInput("\(keyToken.position): option '\(key)' appears twice") }
                try expect(symbol: "=")
                options[key] = try parseOptionValue()
            } while accept(symbol: ",")
            try expect(symbol: ")")
        }
        return CreateTableStatement(name: name, ifNotExists: ifNotExists, columns: columns, options: options, position: start)
    }

    private mutating func parseColumnDefinition() throws(CortexError) -> ColumnDefinition {
        let name = try parseName("a column name")
        let type = try parseTypeName()
        var isNullable = true
        if accept(word: "not") {
            try expect(word: "null")
            isNullable = false
        } else {
            _ = accept(word: "null")
        }
        if current.isWord("primary") || current.isWord("default") || current.isWord("unique") || current.isWord("references") {
            throw unsupported("column constraint \(current.value.uppercased())", at: current)
        }
        return ColumnDefinition(name: name, type: type, isNullable: isNullable)
    }

    /// An identifier (unquoted → lower case), a string literal or a number.
    private mutating func parseOptionValue() throws(CortexError) -> String {
        switch current.kind {
        case .string, .number, .quotedIdentifier:
            return advance().value
        case .word where !Self.reservedWords.contains(current.value):
            return advance().value
        default:
            throw expected("an option value")
        }
    }
}
