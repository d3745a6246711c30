import Foundation

/// BERT's text normalisation for uncased models, as its reference tokenizer applies it, in order:
/// 1. cleaning: U+0000, U+FFFD and "other" characters (general categories Cc, Cf and Co; not
///    tab, newline, carriage return) are removed; white space becomes U+0020;
/// 2. CJK ideographs (the blocks ``isCJKIdeograph(_:)`` lists) get a space on each side, so each
///    becomes its own word;
/// 3. canonical decomposition (NFD), then non-spacing marks (Mn) are removed: accents go;
///
/// Category tables: the reference tokenizer (Hugging Face `tokenizers`) takes Cc, Cf, Mn and P*
/// from tables of Unicode 8.0. Characters assigned later are therefore neither removed, stripped
/// nor split there, and unassigned ones (Cn) are kept (they become `[UNK]`);
/// ``isLegacyCategory(_:)`` reproduces this with each scalar's Unicode age. Measured against the
/// reference on random texts (Tests/CortexEmbedTests/Fixtures/tokenizer-random.jsonl).
/// 4. lowercasing, each scalar by its full Unicode lowercase mapping (not locale- or
///    context-sensitive: Σ always becomes σ).
/// There is no compatibility folding: `ﬁ`, `²` and `①` stay themselves.
enum BertNormalizer {
    static func normalize(_ text: Substring) -> String {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || isOther(scalar) { continue }
            if isWhitespace(scalar) {
                cleaned.append(" ")
            } else if isCJKIdeograph(scalar) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        // Pure ASCII needs neither decomposition nor mark removal: the common case stays cheap.
        let decomposed = cleaned.allSatisfy(\.isASCII) ? String(cleaned) : String(cleaned).decomposedStringWithCanonicalMapping
        var result = String.UnicodeScalarView()
        for scalar in decomposed.unicodeScalars {
            if scalar.isASCII {
                result.append(scalar.value >= 65 && scalar.value <= 90 ? Unicode.Scalar(UInt8(scalar.value + 32)) : scalar)
                continue
            }
            if scalar.properties.generalCategory == .nonspacingMark, isLegacyCategory(scalar) { continue }
            if scalar.properties.changesWhenLowercased {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// White space for cleaning: tab, newline, carriage return, and every scalar with the
    /// Unicode White_Space property that is not a control character (those were removed).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// Cc and Cf (as of Unicode 8.0) and private use (Co); not tab, newline and carriage return.
    static func isOther(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0xE000...0xF8FF, 0xF0000...0xFFFFD, 0x100000...0x10FFFD: return true
        default: break
        }
        guard isLegacyCategory(scalar) else { return false }
        switch scalar.properties.generalCategory {
        case .control, .format: return true
        default: return false
        }
    }

    /// Whether the scalar was assigned by Unicode 8.0, the version of the reference's category tables.
    static func isLegacyCategory(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < 8 || (age.major == 8 && age.minor == 0)
    }

    /// The CJK Unified Ideographs blocks (with extensions A–E, the reference's exact ranges, which
    /// skip U+2B820–U+2B91F) and the compatibility ideographs; Hiragana, Katakana and Hangul are
    /// not in them (Hangul decomposes into jamo instead).
    static func isCJKIdeograph(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// Word boundaries after normalisation: white space (Unicode White_Space) separates words and
    /// is dropped; punctuation (ASCII punctuation, or a Unicode P* category as of Unicode 8.0) is
    /// a word of its own.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        case 0..<128: return false
        default: break
        }
        guard isLegacyCategory(scalar) else { return false }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }
}
