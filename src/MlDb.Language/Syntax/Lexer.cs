using System.Globalization;
using System.Text;

namespace MlDb.Language.Syntax;

internal enum TokenKind
{
    EndOfFile,
    Identifier,
    Keyword,
    Int,
    Double,
    String,
    Punct,
}

/// <summary>One token. <see cref="Text"/> is the identifier, keyword or punctuator text, or a string literal's value.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Line, int Column, long IntValue = 0, double DoubleValue = 0)
{
    public bool Is(string punctOrKeyword) =>
        (Kind == TokenKind.Punct || Kind == TokenKind.Keyword) && Text == punctOrKeyword;

    public string Describe() => Kind switch
    {
        TokenKind.EndOfFile => "end of file",
        TokenKind.String => "string literal",
        TokenKind.Int or TokenKind.Double => "number " + Text,
        TokenKind.Identifier => "identifier '" + Text + "'",
        _ => "'" + Text + "'",
    };
}

/// <summary>A compile-time problem found by the lexer or parser.</summary>
internal readonly record struct SyntaxProblem(string Type, string Message, int Line, int Column);

/// <summary>
/// Hand-written lexer for spec §1: <c>#</c> and <c>//</c> line comments (no block comments; <c>//</c>
/// is never floor division), identifiers and keywords, int and double literals, strings with
/// the spec's escapes, and the punctuators. Positions are 1-based; columns count UTF-16 code units.
/// </summary>
internal sealed class Lexer
{
    public static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "if", "elif", "else", "while", "for", "in", "break", "continue", "return", "function", "fn",
        "let", "const", "throw", "try", "except", "catch", "finally", "nonlocal", "import", "as",
        "true", "false", "null", "new", "delete",
    };

    // Longest first, so that "===" wins over "==" and "=".
    private static readonly string[] Punctuators =
    [
        "===", "!==",
        "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "=>",
        "+", "-", "*", "/", "%", "!", "<", ">", "?", ":", "=", ".", ",", ";", "(", ")", "[", "]", "{", "}",
    ];

    private readonly string _src;
    private int _pos;
    private int _line = 1;
    private int _lineStart;
    private readonly List<SyntaxProblem> _problems;

    public Lexer(string source, List<SyntaxProblem> problems)
    {
        _src = source;
        _problems = problems;
        if (_src.Length > 0 && _src[0] == '\uFEFF')
        {
            _pos = 1;
            _lineStart = 1;
        }
    }

    public List<Token> Tokenize()
    {
        var tokens = new List<Token>(_src.Length / 3 + 4);
        while (true)
        {
            var t = Next();
            tokens.Add(t);
            if (t.Kind == TokenKind.EndOfFile) return tokens;
        }
    }

    private int Column => _pos - _lineStart + 1;

    private void Error(string message, int line, int column) =>
        _problems.Add(new SyntaxProblem("SyntaxError", message, line, column));

    private void NewLine()
    {
        // Called with _pos on a line terminator; consumes CRLF as one.
        if (_src[_pos] == '\r' && _pos + 1 < _src.Length && _src[_pos + 1] == '\n') _pos++;
        _pos++;
        _line++;
        _lineStart = _pos;
    }

    private Token Next()
    {
        SkipTrivia();
        int line = _line, col = Column;
        if (_pos >= _src.Length) return new Token(TokenKind.EndOfFile, "", line, col);
        char c = _src[_pos];

        if (IsIdentStart(c))
        {
            int start = _pos;
            while (_pos < _src.Length && IsIdentPart(_src[_pos])) _pos++;
            string word = _src[start.._pos];
            return new Token(Keywords.Contains(word) ? TokenKind.Keyword : TokenKind.Identifier, word, line, col);
        }
        if (c is >= '0' and <= '9') return Number(line, col);
        if (c == '"' || c == '\'') return StringLiteral(line, col);
        if (c == '.' && _pos + 1 < _src.Length && char.IsAsciiDigit(_src[_pos + 1]))
        {
            Error("a number needs digits before the decimal point (write 0.5, not .5)", line, col);
            _pos++;
            return Number(line, col);
        }
        foreach (var p in Punctuators)
        {
            if (string.CompareOrdinal(_src, _pos, p, 0, p.Length) == 0)
            {
                _pos += p.Length;
                return new Token(TokenKind.Punct, p, line, col);
            }
        }
        _pos++;
        string shown = char.IsControl(c) ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString();
        Error($"unexpected character '{shown}'", line, col);
        return Next();
    }

    private void SkipTrivia()
    {
        while (_pos < _src.Length)
        {
            char c = _src[_pos];
            if (c == '\n' || c == '\r') { NewLine(); continue; }
            if (c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\u00A0' || c == '\uFEFF') { _pos++; continue; }
            if (c == '#' || (c == '/' && _pos + 1 < _src.Length && _src[_pos + 1] == '/'))
            {
                while (_pos < _src.Length && _src[_pos] != '\n' && _src[_pos] != '\r') _pos++;
                continue;
            }
            return;
        }
    }

    private static bool IsIdentStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';

    private static bool IsIdentPart(char c) => IsIdentStart(c) || c is >= '0' and <= '9';

    private Token Number(int line, int col)
    {
        int start = _pos;
        while (_pos < _src.Length && char.IsAsciiDigit(_src[_pos])) _pos++;
        bool isDouble = false;
        if (_pos < _src.Length && _src[_pos] == '.' && !(_pos + 1 < _src.Length && _src[_pos + 1] == '.'))
        {
            if (_pos + 1 < _src.Length && char.IsAsciiDigit(_src[_pos + 1]))
            {
                isDouble = true;
                _pos++;
                while (_pos < _src.Length && char.IsAsciiDigit(_src[_pos])) _pos++;
            }
            else if (!(_pos + 1 < _src.Length && IsIdentStart(_src[_pos + 1])))
            {
                // "5." — digits are required after the point; "5.toFixed" style member access is left to the parser.
                Error("a number needs digits after the decimal point (write 5.0, not 5.)", _line, Column);
                _pos++;
                isDouble = true;
            }
        }
        if (_pos < _src.Length && (_src[_pos] == 'e' || _src[_pos] == 'E'))
        {
            int save = _pos;
            _pos++;
            if (_pos < _src.Length && (_src[_pos] == '+' || _src[_pos] == '-')) _pos++;
            if (_pos < _src.Length && char.IsAsciiDigit(_src[_pos]))
            {
                isDouble = true;
                while (_pos < _src.Length && char.IsAsciiDigit(_src[_pos])) _pos++;
            }
            else
            {
                _pos = save;
            }
        }
        string text = _src[start.._pos];
        if (_pos < _src.Length && IsIdentPart(_src[_pos]))
        {
            int bad = _pos;
            while (_pos < _src.Length && IsIdentPart(_src[_pos])) _pos++;
            Error($"invalid number literal '{_src[start.._pos]}' (no hex, octal, binary literals or digit separators)", line, col);
            _ = bad;
            return new Token(TokenKind.Int, "0", line, col, 0);
        }
        if (isDouble)
        {
            string clean = text.EndsWith('.') ? text + "0" : text;
            double d = double.Parse(clean, NumberStyles.Float, CultureInfo.InvariantCulture);
            return new Token(TokenKind.Double, text, line, col, DoubleValue: d);
        }
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
        {
            Error($"the integer literal {text} does not fit in 64 bits (largest is 9223372036854775807)", line, col);
            value = 0;
        }
        return new Token(TokenKind.Int, text, line, col, value);
    }

    private Token StringLiteral(int line, int col)
    {
        char quote = _src[_pos++];
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _src.Length)
            {
                Error("unterminated string literal", line, col);
                break;
            }
            char c = _src[_pos];
            if (c == quote) { _pos++; break; }
            if (c == '\n' || c == '\r')
            {
                Error("unterminated string literal (a string cannot contain a raw line break; use \\n)", line, col);
                break;
            }
            if (c != '\\') { sb.Append(c); _pos++; continue; }

            int escLine = _line, escCol = Column;
            if (_pos + 1 >= _src.Length) { sb.Append('\\'); _pos++; continue; }
            char e = _src[_pos + 1];
            switch (e)
            {
                case 'n': sb.Append('\n'); _pos += 2; break;
                case 't': sb.Append('\t'); _pos += 2; break;
                case 'r': sb.Append('\r'); _pos += 2; break;
                case 'b': sb.Append('\b'); _pos += 2; break;
                case 'f': sb.Append('\f'); _pos += 2; break;
                case 'v': sb.Append('\v'); _pos += 2; break;
                case '0': sb.Append('\0'); _pos += 2; break;
                case '\\': sb.Append('\\'); _pos += 2; break;
                case '"': sb.Append('"'); _pos += 2; break;
                case '\'': sb.Append('\''); _pos += 2; break;
                case '/': sb.Append('/'); _pos += 2; break;
                case 'u':
                    _pos += 2;
                    if (_pos < _src.Length && _src[_pos] == '{')
                    {
                        int close = _src.IndexOf('}', _pos);
                        string hex = close < 0 ? "" : _src[(_pos + 1)..close];
                        if (close < 0 || hex.Length is < 1 or > 6 || !int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int cp) || cp > 0x10FFFF)
                        {
                            Error("invalid \\u{…} escape: 1 to 6 hex digits naming a code point up to 10FFFF", escLine, escCol);
                            if (close >= 0 && _src.IndexOf('\n', _pos, close - _pos) < 0) _pos = close + 1;
                        }
                        else
                        {
                            if (cp >= 0xD800 && cp <= 0xDFFF) sb.Append((char)cp);
                            else sb.Append(char.ConvertFromUtf32(cp));
                            _pos = close + 1;
                        }
                    }
                    else
                    {
                        if (_pos + 4 <= _src.Length && int.TryParse(_src.AsSpan(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int u)
                            && IsHex4(_src.AsSpan(_pos, 4)))
                        {
                            sb.Append((char)u);
                            _pos += 4;
                        }
                        else
                        {
                            Error("invalid \\u escape: exactly 4 hex digits are needed (or \\u{…})", escLine, escCol);
                        }
                    }
                    break;
                case '\n':
                case '\r':
                    // A backslash before a raw line break does not continue the string.
                    sb.Append('\\');
                    _pos++;
                    break;
                default:
                    // Unknown escapes are kept verbatim ("\d+" is three characters).
                    sb.Append('\\').Append(e);
                    _pos += 2;
                    break;
            }
        }
        return new Token(TokenKind.String, sb.ToString(), line, col);
    }

    private static bool IsHex4(ReadOnlySpan<char> s)
    {
        foreach (char ch in s)
            if (!char.IsAsciiHexDigit(ch)) return false;
        return true;
    }
}
