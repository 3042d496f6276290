namespace MlDb.Language.Tests.Syntax;

/// <summary>
/// Compile-time errors (spec §1, §3, §11): exact 1-based line and column (UTF-16 code units, a tab
/// is one column), several problems per compile, the report format, and nothing runs.
/// </summary>
public sealed class SyntaxErrorTests
{
    private static MlScriptException Compile(string source, string file = "bad.ml")
    {
        var e = Scripts.CompileFails(source, file);
        Assert.Equal(file, e.File);
        Assert.False(e.IsLimitError);
        Assert.Null(e.ThrownData);
        Assert.NotEmpty(e.Diagnostics);
        // The exception describes the first diagnostic.
        Assert.Equal((e.ErrorType, e.Message, e.Line, e.Column), (e.Diagnostics[0].ErrorType, e.Diagnostics[0].Message, e.Diagnostics[0].Line, e.Diagnostics[0].Column));
        return e;
    }

    private static void AssertAt(MlScriptException e, int line, int column, string messageFragment, string type = "SyntaxError")
    {
        Assert.True((type, line, column) == (e.ErrorType, e.Line, e.Column),
            $"expected {type} at {line}:{column}, got {e.ErrorType} at {e.Line}:{e.Column}: {e.Message}");
        Assert.Contains(messageFragment, e.Message);
    }

    [Fact]
    public void Missing_semicolon_is_reported_at_the_next_token()
    {
        var e = Compile("function main() {\n  let x = 1\n  return x;\n}\n");
        AssertAt(e, 3, 3, "expected ';' but found 'return'");
        Assert.Single(e.Diagnostics);
        Assert.Equal("SyntaxError: expected ';' but found 'return' (statements end with ';')\n  at bad.ml, line 3, column 3", e.Report);
        Assert.Equal("  at bad.ml, line 3, column 3", e.MlStackTrace);
    }

    [Fact]
    public void Missing_semicolon_on_the_same_line()
    {
        AssertAt(Compile("let a = 1 let b = 2;"), 1, 11, "expected ';' but found 'let'");
    }

    [Fact]
    public void A_character_outside_the_language()
    {
        AssertAt(Compile("let price = 5;\nlet total = price $ 2;\n"), 2, 19, "unexpected character '$'");
        AssertAt(Compile("let a = 1;\nlet b = a @ 2;"), 2, 11, "unexpected character '@'");
        AssertAt(Compile("let x = 1 +* 2;"), 1, 12, "unexpected '*' in an expression");
    }

    [Fact]
    public void Unterminated_strings_point_at_the_opening_quote()
    {
        var e = Compile("function main() {\n  let s = \"abc;\n  return s;\n}\n");
        AssertAt(e, 2, 11, "unterminated string literal");
        Assert.Contains("raw line break", e.Message);

        AssertAt(Compile("let s = 'no end"), 1, 9, "unterminated string literal");
    }

    [Fact]
    public void Double_slash_is_a_comment_even_where_mlpy_meant_floor_division()
    {
        // "n // 2;" loses "2;" to the comment, so the statement runs into the next line.
        var e = Compile("function half(n) {\n  let mid = n // 2;\n  return mid;\n}\n");
        AssertAt(e, 3, 3, "expected ';' but found 'return'");

        // Inside a string // and # are ordinary characters.
        var ok = MlScript.Compile("function url() { return \"http://x.io/#top\"; } // trailing\n# full line\n", "ok.ml");
        Assert.Equal("http://x.io/#top", ok.Invoke("url"));
    }

    [Fact]
    public void JavaScript_arrow_functions_suggest_fn()
    {
        var e = Compile("function main(rows) {\n  return rows.map(x => x * 2);\n}\n");
        AssertAt(e, 2, 21, "write fn(x) => ");
        Assert.Contains("arrow functions are not supported", e.Message);

        var two = Compile("function main() {\n  let add = (a, b) => a + b;\n  return add(1, 2);\n}\n");
        AssertAt(two, 2, 20, "write fn(a, b) => ");

        var one = Compile("let f = (a) => a;");
        AssertAt(one, 1, 13, "write fn(a) => ");
        AssertAt(Compile("let g = () => 1;"), 1, 12, "write fn() => ");

        // The ML form compiles.
        var ok = MlScript.Compile("function main() { return [1, 2].map(fn(x) => x * 2); }", "ok.ml");
        Assert.Equal(new object?[] { 2L, 4L }, ok.Invoke("main"));
    }

    [Fact]
    public void Reserved_words_cannot_name_variables_functions_or_parameters()
    {
        AssertAt(Compile("function main() {\n  let new = 1;\n  return 1;\n}\n"), 2, 7, "'new' is a reserved word and cannot be used as a variable name");
        AssertAt(Compile("function if() { return 1; }"), 1, 10, "'if' is a reserved word and cannot be used as a function name");
        AssertAt(Compile("function main(in) { return 1; }"), 1, 15, "'in' is a reserved word and cannot be used as a parameter name");
        AssertAt(Compile("const delete = 2;"), 1, 7, "'delete' is a reserved word");

        // ... but they are fine as property names and object keys.
        var ok = MlScript.Compile("function main(row) { return {new: row.from, in: 2}; }", "ok.ml");
        Assert.Equal(["new", "in"], V.HostKeys(ok.Invoke("main", V.Row(("from", "x")))));
    }

    [Fact]
    public void Break_and_continue_outside_a_loop()
    {
        AssertAt(Compile("function main() {\n  break;\n}\n"), 2, 3, "'break' outside a loop");
        AssertAt(Compile("function main() {\n  if (true) {\n    continue;\n  }\n}\n"), 3, 5, "'continue' outside a loop");
        // A function inside a loop starts a new context: break there is still outside a loop.
        AssertAt(Compile("while (true) {\n  let f = function () { break; };\n}\n"), 2, 25, "'break' outside a loop");
    }

    [Fact]
    public void Return_at_top_level()
    {
        AssertAt(Compile("let a = 1;\nreturn a;\n"), 2, 1, "'return' outside a function");
    }

    [Fact]
    public void Declaring_a_name_twice_in_one_block()
    {
        var e = Compile("function main() {\n  let a = 1;\n  let a = 2;\n  return a;\n}\n");
        AssertAt(e, 3, 7, "'a' is already declared in this scope (at line 2, column 7)");

        AssertAt(Compile("function f(x) {\n  const x = 2;\n}\n"), 2, 9, "'x' is already declared");
        AssertAt(Compile("function f(a, a) { return a; }"), 1, 15, "the parameter 'a' is declared twice");

        // An inner block may shadow.
        var ok = MlScript.Compile("function main() { let a = 1; if (true) { let a = 2; } return a; }", "ok.ml");
        Assert.Equal(1L, ok.Invoke("main"));
    }

    [Fact]
    public void Nonlocal_needs_a_binding_outside()
    {
        AssertAt(Compile("function main() {\n  nonlocal zzz;\n  zzz = 1;\n}\n"), 2, 12, "no binding for nonlocal 'zzz'");
        AssertAt(Compile("let n = 0;\nnonlocal n;\n"), 2, 1, "'nonlocal' is only allowed inside a function");
    }

    [Fact]
    public void Const_needs_a_value()
    {
        AssertAt(Compile("function main() {\n  const k;\n}\n"), 2, 10, "a const declaration needs a value");
    }

    [Fact]
    public void Numbers_need_digits_on_both_sides_of_the_point()
    {
        AssertAt(Compile("function main() {\n  return .5;\n}\n"), 2, 10, "write 0.5, not .5");
        AssertAt(Compile("let x = 5.;"), 1, 10, "write 5.0, not 5.");
        AssertAt(Compile("let x = 0x1F;"), 1, 9, "invalid number literal '0x1F'");
    }

    [Fact]
    public void Integer_literals_are_64_bit()
    {
        AssertAt(Compile("function main() {\n  return 9223372036854775808;\n}\n"), 2, 10, "9223372036854775808 does not fit in 64 bits");
        // There is no negative literal: unary minus applies to a literal that is already too big.
        AssertAt(Compile("let m = -9223372036854775808;"), 1, 10, "does not fit in 64 bits");

        var ok = MlScript.Compile("function max() { return 9223372036854775807; } function min() { return -9223372036854775807 - 1; }", "ok.ml");
        Assert.Equal(long.MaxValue, ok.Invoke("max"));
        Assert.Equal(long.MinValue, ok.Invoke("min"));
    }

    [Fact]
    public void Blocks_always_need_braces()
    {
        AssertAt(Compile("function main(c) {\n  if (c) x = 1;\n}\n"), 2, 10, "blocks always need braces");
    }

    [Fact]
    public void Import_only_at_top_level()
    {
        AssertAt(Compile("function main() {\n  import json;\n}\n"), 2, 3, "'import' is only allowed at the top level");
    }

    [Fact]
    public void Mlpy_capability_blocks_are_rejected()
    {
        AssertAt(Compile("capability {\n  allow read;\n}\n"), 1, 1, "'capability' blocks are not part of this dialect");
        AssertAt(Compile("capability FileAccess {\n  allow read;\n}\n"), 1, 1, "'capability' blocks are not part of this dialect");
    }

    [Fact]
    public void Crlf_line_endings_count_as_one_line_break()
    {
        var e = Compile("function main() {\r\n  let a = 1;\r\n  let b = a +* 2;\r\n}\r\n");
        AssertAt(e, 3, 14, "unexpected '*'");
        // Old Mac CR-only files too.
        AssertAt(Compile("let a = 1;\rlet b = a +* 2;\r"), 2, 12, "unexpected '*'");
        // Mixed.
        AssertAt(Compile("let a = 1;\r\n\nlet c = 2;\rlet b = a +* 2;"), 4, 12, "unexpected '*'");
    }

    [Fact]
    public void A_tab_is_one_column()
    {
        AssertAt(Compile("function main() {\n\tlet a = 1;\n\t\tlet b = a +* 2;\n}\n"), 3, 14, "unexpected '*'");
        AssertAt(Compile("\t\t\t$"), 1, 4, "unexpected character '$'");
    }

    [Fact]
    public void Columns_count_UTF16_code_units()
    {
        // Each emoji is two code units; é is one.
        AssertAt(Compile("let s = \"😀😀\"; let t = 1 +* 2;"), 1, 28, "unexpected '*'");
        AssertAt(Compile("let café = 1;"), 1, 8, "unexpected character 'é'");
    }

    [Fact]
    public void A_leading_BOM_is_ignored_and_not_counted()
    {
        AssertAt(Compile("\uFEFFlet a = 1 +* 2;"), 1, 12, "unexpected '*'");
        AssertAt(Compile("\uFEFFlet a = 1;\nlet b = ;"), 2, 9, "unexpected ';'");

        var ok = MlScript.Compile("\uFEFFfunction main() { return 1; }", "bom.ml");
        Assert.Equal(1, ok.Functions[0].Line);
        Assert.Equal(1, ok.Functions[0].Column);
        Assert.Equal(1L, ok.Invoke("main"));
    }

    [Fact]
    public void Several_problems_are_reported_in_one_compile_in_source_order()
    {
        const string source = "function a() {\n  let x = 1\n}\nfunction b() {\n  return 1 +;\n}\nfunction c() {\n  break;\n}\n";
        var e = Compile(source, "many.ml");
        Assert.Equal(
            [
                ("SyntaxError", 3, 1),
                ("SyntaxError", 5, 13),
                ("SyntaxError", 8, 3),
            ],
            e.Diagnostics.Select(d => (d.ErrorType, d.Line, d.Column)));
        Assert.All(e.Diagnostics, d => Assert.Equal("many.ml", d.File));
        Assert.Contains("expected ';' but found '}'", e.Diagnostics[0].Message);
        Assert.Contains("unexpected ';' in an expression", e.Diagnostics[1].Message);
        Assert.Contains("'break' outside a loop", e.Diagnostics[2].Message);
        Assert.Equal(
            "SyntaxError: " + e.Diagnostics[0].Message + "\n  at many.ml, line 3, column 1\n" +
            "SyntaxError: " + e.Diagnostics[1].Message + "\n  at many.ml, line 5, column 13\n" +
            "SyntaxError: " + e.Diagnostics[2].Message + "\n  at many.ml, line 8, column 3",
            e.Report);
        Assert.Equal("SyntaxError: " + e.Diagnostics[2].Message + "\n  at many.ml, line 8, column 3", e.Diagnostics[2].ToString());
    }

    [Fact]
    public void Lexer_and_parser_problems_are_merged_by_position()
    {
        var e = Compile("function main() {\n  let s = \"abc;\n  return 1;\n}\nlet y = 2 $ 3;\n");
        Assert.Equal([(2, 11), (3, 3), (5, 11), (5, 13)], e.Diagnostics.Select(d => (d.Line, d.Column)));
        Assert.Contains("unterminated string literal", e.Diagnostics[0].Message);
        Assert.Contains("unexpected character '$'", e.Diagnostics[2].Message);
    }

    [Fact]
    public void A_truncated_file_reports_the_end_of_file_and_the_open_block()
    {
        var e = Compile("function main() {\n  return [1, 2,\n");
        Assert.Equal([(3, 1), (3, 1)], e.Diagnostics.Select(d => (d.Line, d.Column)));
        Assert.Contains("unexpected end of file", e.Diagnostics[0].Message);
        Assert.Contains("missing '}' to close the block opened at line 1, column 17", e.Diagnostics[1].Message);
    }

    [Fact]
    public void Nothing_runs_when_there_is_a_syntax_error()
    {
        var sink = new OutputSink();
        var options = new MlCallOptions { Output = sink.Write };
        Assert.Throws<MlScriptException>(() => MlScript.Compile("print(\"ran\");\nlet counter = 1;\nfunction main() { return 1 }\n", "t.ml", options));
        Assert.Empty(sink.Lines);

        // A syntax error at the very end still stops the print on line 1.
        Assert.Throws<MlScriptException>(() => MlScript.Compile("print(\"ran\");\nlet z = ;", "t.ml", options));
        Assert.Empty(sink.Lines);

        // Without the error the same top-level code runs once, at compile time.
        MlScript.Compile("print(\"ran\");\nfunction main() { return 1; }\n", "t.ml", options);
        Assert.Equal(["ran"], sink.Texts);
    }

    [Fact]
    public void Resolver_errors_also_stop_everything()
    {
        var sink = new OutputSink();
        var e = Assert.Throws<MlScriptException>(() => MlScript.Compile("print(1);\nfunction f() { nonlocal nope; nope = 2; }\n", "r.ml", new MlCallOptions { Output = sink.Write }));
        AssertAt(e, 2, 25, "no binding for nonlocal 'nope'");
        Assert.Empty(sink.Lines);
    }

    [Fact]
    public void Import_errors_happen_at_load_with_their_position()
    {
        var sink = new OutputSink();
        var e = Assert.Throws<MlScriptException>(() => MlScript.Compile("print(\"x\");\nimport json;\nimport file;\nimport random as r;\n", "imp.ml", new MlCallOptions { Output = sink.Write }));
        Assert.Equal("ImportError", e.ErrorType);
        Assert.Equal((3, 1), (e.Line, e.Column));
        Assert.Contains("not available in the sandbox", e.Message);
        Assert.Equal([("ImportError", 3, 1), ("ImportError", 4, 1)], e.Diagnostics.Select(d => (d.ErrorType, d.Line, d.Column)));
        Assert.Contains("unknown module", e.Diagnostics[1].Message);
        Assert.StartsWith("ImportError: " + e.Message + "\n  at imp.ml, line 3, column 1", e.Report);
        Assert.Empty(sink.Lines);

        foreach (var refused in new[] { "file", "path", "http", "env", "args", "crypto" })
        {
            var r = Scripts.CompileFails($"let a = 1;\n  import {refused};");
            Assert.Equal(("ImportError", 2, 3), (r.ErrorType, r.Line, r.Column));
            Assert.Contains("not available in the sandbox", r.Message);
        }
        var unknown = Scripts.CompileFails("import csv;");
        Assert.Equal(("ImportError", 1, 1), (unknown.ErrorType, unknown.Line, unknown.Column));
        Assert.Contains("unknown module", unknown.Message);
    }

    /// <summary>Compiles on a thread with a 1 MB stack (the Windows default), as a PowerShell host would.</summary>
    private static Exception? CompileOnSmallStack(string source, out MlScript? script)
    {
        Exception? failure = null;
        MlScript? compiled = null;
        var thread = new Thread(() =>
        {
            try { compiled = MlScript.Compile(source, "long.ml"); }
            catch (Exception e) { failure = e; }
        }, 1024 * 1024);
        thread.Start();
        thread.Join();
        script = compiled;
        return failure;
    }

    [Theory]
    [InlineData(" + ")]
    [InlineData(" * ")]
    [InlineData(" && ")]
    [InlineData(" || ")]
    [InlineData(" == ")]
    [InlineData(" < ")]
    public void Very_long_operator_chains_are_syntax_errors_not_stack_overflows(string op)
    {
        string source = "function main() {\n  return " + string.Join(op, Enumerable.Repeat("1", 20_000)) + ";\n}\n";
        var e = Assert.IsType<MlScriptException>(CompileOnSmallStack(source, out _));
        Assert.Equal(("SyntaxError", 2), (e.ErrorType, e.Line));
        Assert.Contains("split it with intermediate variables", e.Message);
    }

    [Fact]
    public void Very_long_postfix_chains_are_syntax_errors_not_stack_overflows()
    {
        var member = Assert.IsType<MlScriptException>(CompileOnSmallStack("function main(o) { return o" + string.Concat(Enumerable.Repeat(".next", 20_000)) + "; }", out _));
        Assert.Equal("SyntaxError", member.ErrorType);
        var calls = Assert.IsType<MlScriptException>(CompileOnSmallStack("function main(f) { return f" + string.Concat(Enumerable.Repeat("(1)", 20_000)) + "; }", out _));
        Assert.Equal("SyntaxError", calls.ErrorType);
        var index = Assert.IsType<MlScriptException>(CompileOnSmallStack("function main(a) { return a" + string.Concat(Enumerable.Repeat("[0]", 20_000)) + "; }", out _));
        Assert.Equal("SyntaxError", index.ErrorType);
    }

    [Fact]
    public void Long_but_reasonable_chains_compile_and_run()
    {
        Assert.Null(CompileOnSmallStack("function main() { return " + string.Join(" + ", Enumerable.Range(1, 150)) + "; }", out var sum));
        Assert.Equal(150L * 151 / 2, sum!.Invoke("main"));
        Assert.Null(CompileOnSmallStack("function main(s) { return s" + string.Concat(Enumerable.Repeat(".trim()", 60)) + ".length; }", out var trims));
        Assert.Equal(2L, trims!.Invoke("main", "  ab  "));
        var concat = "function main(r) { return " + string.Join(" + \", \" + ", Enumerable.Range(0, 60).Select(i => "r.c" + i)) + "; }";
        Assert.Null(CompileOnSmallStack(concat, out var row));
        var values = Enumerable.Range(0, 60).Select(i => ("c" + i, (object?)i)).ToArray();
        Assert.Equal(string.Join(", ", Enumerable.Range(0, 60)), row!.Invoke("main", V.Row(values)));
    }

    [Fact]
    public void Deep_parentheses_unary_operators_and_blocks_are_syntax_errors()
    {
        foreach (var source in new[]
        {
            "let x = " + new string('(', 10_000) + "1" + new string(')', 10_000) + ";",
            "let x = " + new string('-', 10_000) + "1;",
            "let x = " + new string('[', 10_000) + new string(']', 10_000) + ";",
            "function main() { " + string.Concat(Enumerable.Repeat("if (true) { ", 5_000)) + new string('}', 5_000) + " }",
        })
        {
            var e = Assert.IsType<MlScriptException>(CompileOnSmallStack(source, out _));
            Assert.Equal("SyntaxError", e.ErrorType);
            Assert.Contains("nested too deeply", e.Message);
        }
    }

    [Fact]
    public void Positions_in_real_files_with_CRLF_tabs_and_a_BOM()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mldb-syntax-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "windows.ml");
            // UTF-8 with a BOM, CRLF line ends, tab indentation: the way Notepad and many Windows editors save.
            File.WriteAllText(path, "function main(rows) {\r\n\tlet total = 0;\r\n\tfor (r in rows) {\r\n\t\ttotal = total + r.price ** 2;\r\n\t}\r\n\treturn total;\r\n}\r\n",
                new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
            Assert.Equal(0xEF, File.ReadAllBytes(path)[0]);

            // Read as text (the BOM is consumed by the reader) ...
            AssertAt(Compile(File.ReadAllText(path), "windows.ml"), 4, 28, "unexpected '*'");
            // ... or decoded by hand (the BOM stays in the string and must be ignored).
            string raw = System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(path));
            Assert.Equal('\uFEFF', raw[0]);
            AssertAt(Compile(raw, "windows.ml"), 4, 28, "unexpected '*'");

            // The fixed file runs, whichever way it was read.
            File.WriteAllText(path, File.ReadAllText(path).Replace("** 2", "* 2"), new System.Text.UTF8Encoding(true));
            var rows = new object?[] { V.Row(("price", 2)), V.Row(("price", 3)) };
            Assert.Equal(10L, MlScript.Compile(File.ReadAllText(path), "windows.ml").Invoke("main", [rows]));
            Assert.Equal(10L, MlScript.Compile(System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(path)), "windows.ml").Invoke("main", [rows]));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
